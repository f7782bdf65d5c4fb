#include "BenchMemory.h"

#include "native/ProcessTree.h"
#include "native/WarmPool.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QThread>

#include <cstdio>

namespace pysandbox::bench {

namespace {

double mb(double kb)
{
    return kb / 1024.0;
}

void printLine(const QString &label, double megabytes)
{
    std::printf("  %-62s %8.1f MB\n", qPrintable(label), megabytes);
}

} // namespace

PoolMemory measurePoolMemory(NativeEngine &warm, Failures *failures)
{
    PoolMemory memory;
    WarmPool *pool = warm.currentWarmPool();
    if (!pool || pool->state() != WarmPool::State::Ready) {
        failures->add(QStringLiteral("memory: the warm pool is not ready"));
        return memory;
    }
    memory.startupMs = pool->startupMs();
    memory.restarts = pool->restarts();
    memory.preloaded = pool->preloaded();
    memory.zygoteMappedKb = pool->readyReport().value(QStringLiteral("mapped_kb")).toInteger();
    const pid_t root = pool->sandboxPid();
    // Runs finish before their process is torn down (the zygote reaps it): let the tree settle.
    TreeSample idle = ProcessTree::sample(root);
    for (int settle = 0; settle < 40; ++settle) {
        QThread::msleep(25);
        QCoreApplication::processEvents();
        const TreeSample again = ProcessTree::sample(root);
        if (again.processes == idle.processes)
            break;
        idle = again;
    }
    memory.processes = idle.processes;
    memory.rssKb = idle.rssKb;
    memory.pssKb = ProcessTree::proportionalSetKb(idle, root);

    // Marker first, then sleep: the sample is taken while every run holds its buffer.
    // bytearray(n) writes its n zero bytes, so the pages are really the run's own.
    memory.liveRuns = 4;
    memory.heldKb = 1024;
    QList<ExecutionRequest> requests;
    for (int i = 0; i < memory.liveRuns; ++i) {
        ExecutionRequest request;
        request.code = QStringLiteral("import time\nheld = bytearray(%1 * 1024)\nprint('holding', flush=True)\n"
                                      "time.sleep(0.3)\nresult = len(held)").arg(memory.heldKb);
        requests.append(request);
    }
    memory.liveIdlePssKb = ProcessTree::proportionalSetKb(ProcessTree::sample(root), root);
    int liveProcesses = 0;
    const Batch batch = runConcurrently(warm, requests, QByteArrayLiteral("holding"), [&] {
        const TreeSample busy = ProcessTree::sample(root);
        liveProcesses = busy.processes;
        memory.liveBusyPssKb = ProcessTree::proportionalSetKb(busy, root);
    });
    for (const ResultEnvelope &envelope : batch.envelopes)
        checkRun(QStringLiteral("memory: live warm run"), envelope, QStringLiteral("warm"), failures);
    memory.liveMeasured = batch.sawAllMarkers && liveProcesses >= idle.processes + memory.liveRuns;
    if (!memory.liveMeasured)
        failures->add(QStringLiteral("memory: the %1 live runs were not all seen alive at once (tree of %2 processes, idle %3)")
                          .arg(memory.liveRuns).arg(liveProcesses).arg(idle.processes));
    return memory;
}

QJsonObject printPoolMemory(const PoolMemory &memory, QList<double> privateKb)
{
    const qsizetype runs = privateKb.size();
    privateKb.removeAll(0.0); // ended before the engine's first /proc sample: not measured
    const double perRunPrivateKb = median(privateKb);
    const double perRunPssKb = memory.liveMeasured
        ? static_cast<double>(memory.liveBusyPssKb - memory.liveIdlePssKb) / memory.liveRuns : 0;
    std::printf("\nwarm pool memory (MB = 1024 kB):\n");
    std::printf("  %-62s %8lld ms\n", "pool startup until ready (startupMs)", static_cast<long long>(memory.startupMs));
    std::printf("  %-62s %8d\n", "zygote restarts during the benchmark", memory.restarts);
    std::printf("  %-62s %s\n", "preloaded", qPrintable(memory.preloaded.join(QStringLiteral(", "))));
    printLine(QStringLiteral("pool RSS, sum over the sandbox tree (%1 processes)").arg(memory.processes),
              mb(static_cast<double>(memory.rssKb)));
    printLine(QStringLiteral("pool PSS, sum over the sandbox tree"), mb(static_cast<double>(memory.pssKb)));
    printLine(QStringLiteral("zygote mapped (mapped_kb: virtual size, not resident)"), mb(static_cast<double>(memory.zygoteMappedKb)));
    printLine(QStringLiteral("per run: private pages, median peakMemoryKb (%1 of %2 sampled)").arg(privateKb.size()).arg(runs),
              mb(perRunPrivateKb));
    if (memory.liveMeasured)
        printLine(QStringLiteral("per run: PSS increase, %1 live runs holding %2 MB each")
                      .arg(memory.liveRuns).arg(mb(static_cast<double>(memory.heldKb)), 0, 'f', 1),
                  mb(perRunPssKb));
    else
        std::printf("  per run: PSS increase not measured (see failures)\n");
    return {
        {QStringLiteral("pool_startup_ms"), memory.startupMs},
        {QStringLiteral("preloaded"), QJsonArray::fromStringList(memory.preloaded)},
        {QStringLiteral("pool_restarts"), memory.restarts},
        {QStringLiteral("pool_processes"), memory.processes},
        {QStringLiteral("pool_rss_kb"), memory.rssKb},
        {QStringLiteral("pool_pss_kb"), memory.pssKb},
        {QStringLiteral("zygote_mapped_kb"), memory.zygoteMappedKb},
        {QStringLiteral("per_run_private_kb_median"), perRunPrivateKb},
        {QStringLiteral("per_run_private_sampled"), privateKb.size()},
        {QStringLiteral("per_run_pss_increase_kb"), perRunPssKb},
        {QStringLiteral("live_runs_held_kb"), memory.heldKb},
    };
}

} // namespace pysandbox::bench
