// pysandbox-bench: medians and p95 of whole runs, for comparing engine paths with bare python3.
// Usage: pysandbox-bench [--runs N] [--python PATH]
#include "native/NativeEngine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace pysandbox;

namespace {

struct Row
{
    QString name;
    QList<double> samplesMs;
};

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<qsizetype>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values.at(std::min(index, values.size() - 1));
}

double timeBare(const QString &python, const QStringList &arguments)
{
    QElapsedTimer clock;
    clock.start();
    QProcess process;
    process.start(python, arguments);
    process.waitForFinished(60'000);
    return static_cast<double>(clock.nsecsElapsed()) / 1e6;
}

// Wall time from start() to finished(), as the UI would see it; also checks the run worked.
double timeEngine(NativeEngine &engine, const QString &code, bool *ok)
{
    ExecutionRequest request;
    request.code = code;
    QElapsedTimer clock;
    clock.start();
    ExecutionRun *run = engine.start(request, nullptr);
    QEventLoop loop;
    ResultEnvelope envelope;
    QObject::connect(run, &ExecutionRun::finished, &loop, [&](const ResultEnvelope &result) {
        envelope = result;
        loop.quit();
    });
    loop.exec();
    const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    delete run;
    *ok = *ok && envelope.status == RunStatus::Ok;
    return ms;
}

void warmUp(NativeEngine &engine)
{
    bool ok = true;
    timeEngine(engine, QStringLiteral("pass"), &ok); // interpreter lookup and sandbox probe are cached after this
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QStringList args = QCoreApplication::arguments().mid(1);
    int runs = 30;
    QString python = QStringLiteral("/usr/bin/python3");
    for (qsizetype i = 0; i + 1 < args.size(); i += 2) {
        if (args.at(i) == QLatin1String("--runs"))
            runs = std::max(3, args.at(i + 1).toInt());
        else if (args.at(i) == QLatin1String("--python"))
            python = args.at(i + 1);
    }

    NativeEngineConfig plainConfig;
    plainConfig.interpreter = python;
    plainConfig.useIsolation = false;
    plainConfig.requireIsolation = false;
    NativeEngineConfig sandboxConfig = plainConfig;
    sandboxConfig.useIsolation = true;
    sandboxConfig.requireIsolation = true;
    NativeEngine plain(plainConfig), sandboxed(sandboxConfig);
    warmUp(plain);
    warmUp(sandboxed);

    const QString pandas = QStringLiteral("import pandas as pd\nresult = int(pd.DataFrame({'a': [1, 2, 3]}).a.sum())");
    bool ok = true;
    QList<std::pair<QString, std::function<double()>>> cases{
        {QStringLiteral("bare python3 -I -S -c pass"), [&] { return timeBare(python, {QStringLiteral("-I"), QStringLiteral("-S"), QStringLiteral("-c"), QStringLiteral("pass")}); }},
        {QStringLiteral("bare python3 -I -c pass"), [&] { return timeBare(python, {QStringLiteral("-I"), QStringLiteral("-c"), QStringLiteral("pass")}); }},
        {QStringLiteral("engine, trivial, no sandbox (cold)"), [&] { return timeEngine(plain, QStringLiteral("result = 1"), &ok); }},
        {QStringLiteral("engine, trivial, sandboxed (cold)"), [&] { return timeEngine(sandboxed, QStringLiteral("result = 1"), &ok); }},
        {QStringLiteral("bare python3 -c 'import pandas'"), [&] { return timeBare(python, {QStringLiteral("-c"), QStringLiteral("import pandas")}); }},
        {QStringLiteral("engine, pandas, no sandbox (cold)"), [&] { return timeEngine(plain, pandas, &ok); }},
        {QStringLiteral("engine, pandas, sandboxed (cold)"), [&] { return timeEngine(sandboxed, pandas, &ok); }},
    };
    QList<Row> rows;
    for (const auto &[name, measure] : cases)
        rows.append({name, {}});
    // Interleaved rounds, so that machine noise spreads over every case alike.
    for (int round = 0; round < runs; ++round)
        for (qsizetype i = 0; i < cases.size(); ++i)
            rows[i].samplesMs.append(cases[i].second());

    std::printf("pysandbox-bench: %d interleaved rounds, interpreter %s\n\n", runs, qPrintable(python));
    std::printf("%-40s %10s %10s\n", "case", "median ms", "p95 ms");
    for (const Row &row : rows)
        std::printf("%-40s %10.1f %10.1f\n", qPrintable(row.name), percentile(row.samplesMs, 0.5), percentile(row.samplesMs, 0.95));
    const double isolationCost = percentile(rows[3].samplesMs, 0.5) - percentile(rows[2].samplesMs, 0.5);
    std::printf("\nsandbox cost per cold run (median difference): %.1f ms\n", isolationCost);
    if (!ok) {
        std::fprintf(stderr, "some engine runs did not finish ok\n");
        return 1;
    }
    return 0;
}
