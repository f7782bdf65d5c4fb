// Timing and checking helpers of pysandbox-bench: bare python3 processes and engine runs.
#pragma once

#include "native/NativeEngine.h"

#include <QProcessEnvironment>

#include <functional>

namespace pysandbox::bench {

// Runs that did not do what the row claims to measure; any of them makes the tool exit 1.
struct Failures
{
    int count = 0;
    QStringList examples; // the first few, to say what went wrong

    void add(const QString &what);
};

double percentile(QList<double> values, double p);
double median(const QList<double> &values);

// One bare interpreter process, start to exit; a non-zero exit counts as a failure.
double timeBare(const QString &python, const QStringList &arguments, Failures *failures,
                const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
// `count` bare processes started at once: time until the last one exited.
double timeBareBatch(const QString &python, const QStringList &arguments, int count, Failures *failures);

// Wall time from start() to finished(), as the UI would see it.
struct TimedRun
{
    double ms = 0;
    ResultEnvelope envelope;
};
TimedRun runOnce(Engine &engine, const ExecutionRequest &request);

// Starts every request at once; `ms` is the time until the last one finished. When
// `whileAlive` is set it is called once, after every run has printed `marker` on stdout and
// while they are all still running.
struct Batch
{
    double ms = 0;
    QList<ResultEnvelope> envelopes;
    bool sawAllMarkers = false;
};
Batch runConcurrently(Engine &engine, const QList<ExecutionRequest> &requests, const QByteArray &marker = {},
                      const std::function<void()> &whileAlive = {});

ExecutionRequest snippet(const QString &code);
// The matplotlib case: exactly one figure, as PNG.
bool hasOnePng(const ResultEnvelope &envelope);

// Status ok and started on the expected path ("warm" or "cold"); records a failure if not.
bool checkRun(const QString &caseName, const ResultEnvelope &envelope, const QString &expectedPath, Failures *failures);

// `count` requests that each return a token of their own, given through inputs.
QList<ExecutionRequest> tokenRequests(int count);
// Every envelope ok, on the path, and carrying its own request's token (no cross-talk).
bool checkTokens(const QString &caseName, const QList<ExecutionRequest> &requests, const Batch &batch,
                 const QString &expectedPath, Failures *failures);

// Starts the engine's warm pool and waits until it is Ready; false with *problem if not.
bool waitForWarmPool(NativeEngine &engine, int timeoutMs, QString *problem);

} // namespace pysandbox::bench
