// pysandbox-bench: medians and p95 of whole runs, for comparing engine paths with bare python3.
// Usage: pysandbox-bench [--runs N] [--quick] [--python PATH] [--json FILE]
//        pysandbox-bench --microsandbox URL [--token KEY] [--runs N]   (tests/emulator/bench_microsandbox.sh)
#include "BenchMemory.h"
#include "BenchMicrosandbox.h"
#include "BenchRuns.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLibraryInfo>
#include <QThread>

#include <cstdio>
#include <functional>

#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::bench;

namespace {

struct Options
{
    int runs = 30;
    QString python = QStringLiteral("/usr/bin/python3");
    QString jsonPath;
    QString microsandbox; // a server URL: only the microsandbox client's table
    QString token;
};

const char kUsage[] = "usage: pysandbox-bench [--runs N] [--quick] [--python PATH] [--json FILE]\n"
                      "       pysandbox-bench --microsandbox URL [--token KEY] [--runs N]\n";

bool parseOptions(const QStringList &args, Options *options)
{
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        const bool hasValue = i + 1 < args.size();
        if (arg == QLatin1String("--quick"))
            options->runs = 5;
        else if (arg == QLatin1String("--runs") && hasValue)
            options->runs = std::max(3, args.at(++i).toInt());
        else if (arg == QLatin1String("--python") && hasValue)
            options->python = args.at(++i);
        else if (arg == QLatin1String("--json") && hasValue)
            options->jsonPath = args.at(++i);
        else if (arg == QLatin1String("--microsandbox") && hasValue)
            options->microsandbox = args.at(++i);
        else if (arg == QLatin1String("--token") && hasValue)
            options->token = args.at(++i);
        else
            return false;
    }
    return true;
}

QString buildDescription()
{
#if !defined(__OPTIMIZE__)
    QString text = QStringLiteral("Debug build (unoptimised): these numbers mean little, use a release build");
#elif !defined(NDEBUG)
    QString text = QStringLiteral("optimised build with assertions");
#else
    QString text = QStringLiteral("optimised build (NDEBUG)");
#endif
    if (QLibraryInfo::isDebugBuild())
        text += QStringLiteral(", Qt debug build");
    return text;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Options options;
    if (!parseOptions(QCoreApplication::arguments().mid(1), &options)) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const QString &python = options.python;
    if (!options.microsandbox.isEmpty()) {
        std::printf("build: %s\n", qPrintable(buildDescription()));
        return benchMicrosandbox(QUrl(options.microsandbox), options.token, options.runs);
    }

    NativeEngineConfig plainConfig;
    plainConfig.interpreter = python;
    plainConfig.useIsolation = false;
    plainConfig.requireIsolation = false;
    NativeEngineConfig sandboxConfig = plainConfig;
    sandboxConfig.useIsolation = true;
    sandboxConfig.requireIsolation = true;
    NativeEngineConfig warmConfig = sandboxConfig;
    warmConfig.warmPool = true;
    NativeEngine plain(plainConfig), sandboxed(sandboxConfig), warm(warmConfig);

    std::printf("pysandbox-bench: %d interleaved rounds, interpreter %s\n", options.runs, qPrintable(python));
    std::printf("build: %s; cores: %d usable, %ld online\n", qPrintable(buildDescription()), QThread::idealThreadCount(),
                ::sysconf(_SC_NPROCESSORS_ONLN));
    // Other work on the machine moves every row; the ratios, measured side by side, less so.
    QFile loadAverage(QStringLiteral("/proc/loadavg"));
    if (loadAverage.open(QIODevice::ReadOnly))
        std::printf("load average at start: %s\n",
                    loadAverage.readLine().split(' ').mid(0, 3).join(' ').constData());
    std::fflush(stdout);
    QString problem;
    if (!waitForWarmPool(warm, 120'000, &problem)) {
        std::fprintf(stderr, "pysandbox-bench: %s\n", qPrintable(problem));
        return 1;
    }

    Failures failures;
    const QString warmPath = QStringLiteral("warm"), coldPath = QStringLiteral("cold");
    const QString trivial = QStringLiteral("result = 1");
    const QString pandas = QStringLiteral("import pandas as pd\nresult = int(pd.DataFrame({'a': [1, 2, 3]}).a.sum())");
    const QString plot = QStringLiteral("import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 3))\n"
                                        "ax.plot([0, 1, 2, 3], [1, 3, 2, 4])\n");
    const QString barePlot = QStringLiteral("import io\n") + plot + QStringLiteral("fig.savefig(io.BytesIO(), format='png')\n");
    QProcessEnvironment aggEnvironment = QProcessEnvironment::systemEnvironment();
    aggEnvironment.insert(QStringLiteral("MPLBACKEND"), QStringLiteral("Agg"));
    const QStringList passIS{QStringLiteral("-I"), QStringLiteral("-S"), QStringLiteral("-c"), QStringLiteral("pass")};
    QList<double> warmTrivialPrivateKb;
    int batches = 0, crossedBatches = 0;

    auto engineCase = [&](const QString &name, NativeEngine &engine, const QString &code, const QString &path,
                          bool wantsFigure = false, QList<double> *privateKb = nullptr) {
        return std::pair{name, std::function<double()>([&, name, code, path, wantsFigure, privateKb] {
            const TimedRun run = runOnce(engine, snippet(code));
            if (checkRun(name, run.envelope, path, &failures) && wantsFigure && !hasOnePng(run.envelope))
                failures.add(QStringLiteral("%1: %2 displays, expected one image/png").arg(name).arg(run.envelope.displays.size()));
            if (privateKb)
                privateKb->append(static_cast<double>(run.envelope.usage.peakMemoryKb));
            return run.ms;
        })};
    };
    auto batchCase = [&](const QString &name, NativeEngine &engine, const QString &path) {
        return std::pair{name, std::function<double()>([&, name, path] {
            const QList<ExecutionRequest> requests = tokenRequests(4);
            const Batch batch = runConcurrently(engine, requests);
            ++batches;
            if (!checkTokens(name, requests, batch, path, &failures))
                ++crossedBatches;
            return batch.ms;
        })};
    };
    auto bareCase = [&](const QString &name, const QStringList &arguments,
                        const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment()) {
        return std::pair{name, std::function<double()>([&, arguments, environment] {
            return timeBare(python, arguments, &failures, environment);
        })};
    };

    QList<std::pair<QString, std::function<double()>>> cases{
        bareCase(QStringLiteral("bare python3 -I -S -c pass"), passIS),
        bareCase(QStringLiteral("bare python3 -I -c pass"), {QStringLiteral("-I"), QStringLiteral("-c"), QStringLiteral("pass")}),
        engineCase(QStringLiteral("engine, trivial, no sandbox (cold)"), plain, trivial, coldPath),
        engineCase(QStringLiteral("engine, trivial, sandboxed (cold)"), sandboxed, trivial, coldPath),
        engineCase(QStringLiteral("engine, trivial, sandboxed (warm)"), warm, trivial, warmPath, false, &warmTrivialPrivateKb),
        bareCase(QStringLiteral("bare python3 -c 'import pandas'"), {QStringLiteral("-c"), QStringLiteral("import pandas")}),
        engineCase(QStringLiteral("engine, pandas, no sandbox (cold)"), plain, pandas, coldPath),
        engineCase(QStringLiteral("engine, pandas, sandboxed (cold)"), sandboxed, pandas, coldPath),
        engineCase(QStringLiteral("engine, pandas, sandboxed (warm)"), warm, pandas, warmPath),
        bareCase(QStringLiteral("bare python3 -c matplotlib figure"), {QStringLiteral("-c"), barePlot}, aggEnvironment),
        engineCase(QStringLiteral("engine, matplotlib figure, sandboxed (warm)"), warm, plot, warmPath, true),
        {QStringLiteral("4 concurrent bare python3 -I -S -c pass"), [&] { return timeBareBatch(python, passIS, 4, &failures); }},
        batchCase(QStringLiteral("4 concurrent trivial runs, warm (batch wall time)"), warm, warmPath),
        batchCase(QStringLiteral("4 concurrent trivial runs, cold sandboxed (batch wall time)"), sandboxed, coldPath),
    };
    // One untimed round: interpreter lookup, sandbox probe, page cache and matplotlib's font
    // cache are then the same for every timed round.
    for (const auto &[name, measure] : cases)
        measure();
    warmTrivialPrivateKb.clear();
    QList<QList<double>> samples(cases.size());
    // Interleaved rounds, so that machine noise spreads over every case alike.
    for (int round = 0; round < options.runs; ++round)
        for (qsizetype i = 0; i < cases.size(); ++i)
            samples[i].append(cases[i].second());
    auto medianOf = [&](const char *name) {
        for (qsizetype i = 0; i < cases.size(); ++i)
            if (cases.at(i).first == QLatin1String(name))
                return median(samples.at(i));
        qFatal("pysandbox-bench: no case named %s", name);
    };

    std::printf("\n%-60s %10s %10s\n", "case", "median ms", "p95 ms");
    QJsonArray jsonRows;
    for (qsizetype i = 0; i < cases.size(); ++i) {
        const double med = median(samples.at(i)), p95 = percentile(samples.at(i), 0.95);
        std::printf("%-60s %10.1f %10.1f\n", qPrintable(cases.at(i).first), med, p95);
        jsonRows.append(QJsonObject{{QStringLiteral("case"), cases.at(i).first}, {QStringLiteral("median_ms"), med},
                                    {QStringLiteral("p95_ms"), p95}, {QStringLiteral("runs"), samples.at(i).size()}});
    }
    std::printf("\nsandbox cost per cold run (median difference): %.1f ms\n",
                medianOf("engine, trivial, sandboxed (cold)") - medianOf("engine, trivial, no sandbox (cold)"));

    QElapsedTimer sequentialClock;
    sequentialClock.start();
    for (int i = 0; i < 200; ++i)
        checkRun(QStringLiteral("200 sequential warm runs"), runOnce(warm, snippet(trivial)).envelope, warmPath, &failures);
    const double sequentialMs = static_cast<double>(sequentialClock.nsecsElapsed()) / 1e6;
    std::printf("200 sequential trivial warm runs: total %.0f ms\n", sequentialMs);

    std::printf("\ntargets (from the issue; ratios of this run's medians):\n");
    QJsonArray jsonTargets;
    // decimals < 0: three significant digits, so that a ratio next to its limit is not rounded onto it.
    auto target = [&](const QString &what, double value, double limit, const QString &unit, int decimals) {
        const bool pass = value <= limit;
        const QString shown = decimals < 0 ? QString::number(value, 'g', 3) : QString::number(value, 'f', decimals);
        std::printf("  %s  %-58s %s%s (limit %s%s)\n", pass ? "PASS" : "MISS", qPrintable(what),
                    qPrintable(shown), qPrintable(unit),
                    qPrintable(QString::number(limit, 'g', 4)), qPrintable(unit));
        jsonTargets.append(QJsonObject{{QStringLiteral("target"), what}, {QStringLiteral("value"), value},
                                       {QStringLiteral("limit"), limit}, {QStringLiteral("pass"), pass}});
    };
    const QString ms = QStringLiteral(" ms"), times = QStringLiteral(" x"), none;
    const double trivialWarm = medianOf("engine, trivial, sandboxed (warm)");
    const double pandasWarm = medianOf("engine, pandas, sandboxed (warm)");
    target(QStringLiteral("trivial warm median"), trivialWarm, 5, ms, 2);
    target(QStringLiteral("trivial warm / bare -I -S -c pass (medians)"), trivialWarm / medianOf("bare python3 -I -S -c pass"),
           0.25, times, -1);
    target(QStringLiteral("pandas warm median"), pandasWarm, 15, ms, 2);
    target(QStringLiteral("pandas warm / bare -c 'import pandas' (medians)"),
           pandasWarm / medianOf("bare python3 -c 'import pandas'"), 0.05, times, -1);
    target(QStringLiteral("200 sequential trivial warm runs, total"), sequentialMs, 2000, ms, 0);
    target(QStringLiteral("4-run batches with a wrong or failed result"), crossedBatches, 0, none, 0);
    std::printf("        (%d batches of 4, warm and cold; each run must return the token it was given)\n", batches);

    const PoolMemory memory = measurePoolMemory(warm, &failures);
    const QJsonObject jsonMemory = printPoolMemory(memory, warmTrivialPrivateKb);

    if (!options.jsonPath.isEmpty()) {
        const QJsonObject json{
            {QStringLiteral("build"), buildDescription()},
            {QStringLiteral("cores"), QThread::idealThreadCount()},
            {QStringLiteral("python"), python},
            {QStringLiteral("rounds"), options.runs},
            {QStringLiteral("rows"), jsonRows},
            {QStringLiteral("sequential_200_warm_ms"), sequentialMs},
            {QStringLiteral("targets"), jsonTargets},
            {QStringLiteral("memory"), jsonMemory},
            {QStringLiteral("failures"), failures.count},
        };
        QFile file(options.jsonPath);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(QJsonDocument(json).toJson()) < 0)
            failures.add(QStringLiteral("could not write %1: %2").arg(options.jsonPath, file.errorString()));
    }
    if (failures.count > 0) {
        std::fprintf(stderr, "\n%d checks failed (a run not ok, on the wrong path or with the wrong result), e.g.:\n",
                     failures.count);
        for (const QString &example : failures.examples)
            std::fprintf(stderr, "  %s\n", qPrintable(example));
        return 1;
    }
    return 0;
}
