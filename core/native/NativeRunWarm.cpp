// The warm half of NativeRun: choosing the pool, starting a run in it, verifying it, and
// finishing it as soon as its result is in (docs/design/warm-pool.md).
#include "NativeRun.h"

#include "ProcessTree.h"
#include "WarmPool.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

#include <sys/vfs.h>

namespace pysandbox {

// A warm run's files live in the pool's one RAM-backed /work, shared by every run: its use
// (seen from the host through the zygote's root) tells how much a run has written.
qint64 NativeRun::warmScratchUsedBytes(pid_t zygote)
{
    struct statfs info {};
    const QByteArray path = QStringLiteral("/proc/%1/root/work").arg(zygote).toLocal8Bit();
    if (zygote <= 0 || ::statfs(path.constData(), &info) != 0)
        return -1;
    return static_cast<qint64>(info.f_blocks - info.f_bfree) * static_cast<qint64>(info.f_bsize);
}


WarmPool *NativeRun::chooseWarmPool(const NativeEnvironment &environment)
{
    if (!m_sandboxed || !m_warmPool)
        return nullptr;
    WarmPool *pool = m_warmPool(environment, &m_coldReason);
    if (pool && !m_request.options.workingFiles.isEmpty()) {
        m_coldReason = tr("input files are bound into a sandbox of their own");
        return nullptr;
    }
    if (pool && m_config.warmPoolMinAvailableMb > 0) {
        const qint64 availableMb = ProcessTree::availableMemoryKb() / 1024;
        if (availableMb >= 0 && availableMb < m_config.warmPoolMinAvailableMb) {
            m_coldReason = tr("only %1 MB of memory is free (a warm start needs %2 MB)")
                               .arg(availableMb).arg(m_config.warmPoolMinAvailableMb);
            return nullptr;
        }
    }
    return pool;
}

bool NativeRun::launchWarm(WarmPool *pool, QString *error)
{
    const ExecutionOptions &options = m_request.options;
    const QJsonObject header{{QStringLiteral("type"), QStringLiteral("run")}, {QStringLiteral("limits"), QJsonObject{
        {QStringLiteral("cpu_seconds"), options.cpuSeconds},
        {QStringLiteral("memory_mb"), options.memoryMb},
        {QStringLiteral("max_processes"), options.maxProcesses},
        {QStringLiteral("max_file_size"), options.maxFileSizeBytes},
    }}};
    m_child = new ChildProcess(this);
    connect(m_child, &ChildProcess::readyRead, this, &NativeRun::onChunk);
    connect(m_child, &ChildProcess::exited, this, &NativeRun::onExit);
    m_clock.start();
    if (!pool->launch(m_child, QJsonDocument(header).toJson(QJsonDocument::Compact), error)) {
        delete m_child;
        m_child = nullptr;
        return false;
    }
    m_pool = pool;
    m_child->writeRequest(runner::encodeRequest(m_request, m_config.runnerLimits, true));
    m_scratchBaseline = warmScratchUsedBytes(pool->zygotePid());
    startTimers();
    return true;
}

void NativeRun::verifyLayers(pid_t runner)
{
    if (!m_child->isWarm()) {
        m_verified = verifySandboxLayers(runner);
        return;
    }
    m_verified = m_pool ? verifySandboxLayersLike(runner, m_child->zygotePid(), m_pool->zygoteLayers())
                        : verifySandboxLayers(runner);
    // The per-run layers of a warm child: its stacked seccomp filter shows in /proc; Landlock
    // does not, so it is the child's own report, made before any user code ran.
    char status[4096];
    const char *filters = ProcessTree::readProcFile(runner, "status", status, sizeof status)
        ? std::strstr(status, "\nSeccomp_filters:") : nullptr;
    if (filters && std::strtol(filters + 17, nullptr, 10) >= 2)
        m_verified->active.append(QStringLiteral("per-run-seccomp"));
    else
        m_verified->unverified.append(QStringLiteral("per-run-seccomp"));
    if (m_child->warmLandlockAbi() >= 6)
        m_verified->active.append(QStringLiteral("landlock"));
    else
        m_verified->unverified.append(QStringLiteral("landlock"));
}

void NativeRun::finishWarmAtResult()
{
    // The result is in and the runner flushed the snippet's output before it: the run is
    // over. Waiting for the exit would add the teardown of the preload's address space
    // (~2 ms) to every run; the zygote reaps it and kills whatever the snippet left.
    // Nothing here scans /proc: this is on every run's path.
    // The run's name (for sealing its directory below) and pid come with its "started" report.
    if (m_child->warmRunName().isEmpty()) {
        m_child->readPendingStatus();
        if (!m_child->isRunning())
            return; // it reported its exit meanwhile: onExit has run
    }
    if (!m_verified && m_child->pid() > 0)
        verifyLayers(m_child->pid());
    ChildExit finished;
    ProcessSample runner;
    if (ProcessTree::readProcess(m_child->pid(), &runner))
        finished.userCpuUs = runner.cpuMs * 1000;
    char status[4096];
    if (ProcessTree::readProcFile(m_child->pid(), "status", status, sizeof status))
        if (const char *peak = std::strstr(status, "\nVmHWM:")) // its peak RSS so far
            finished.maxRssKb = std::strtoll(peak + 7, nullptr, 10);
    m_child->drainOutput();
    m_child->disconnect(this);
    m_child->closeRequest();
    if (m_pool)
        m_pool->runFinished(m_child->warmRunName()); // before any later run of this pool starts
    onExit(finished);
}

} // namespace pysandbox
