#include "BenchRuns.h"

#include "native/WarmPool.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <vector>

namespace pysandbox::bench {

namespace {

double elapsedMs(const QElapsedTimer &clock)
{
    return static_cast<double>(clock.nsecsElapsed()) / 1e6;
}

void checkExit(const QString &python, const QStringList &arguments, QProcess &process, Failures *failures)
{
    if (process.state() != QProcess::NotRunning || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        failures->add(QStringLiteral("bare %1 %2: exit code %3 %4")
                          .arg(python, arguments.join(QLatin1Char(' ')))
                          .arg(process.exitCode())
                          .arg(QString::fromLocal8Bit(process.readAllStandardError().trimmed().right(200))));
}

void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

void Failures::add(const QString &what)
{
    ++count;
    if (examples.size() < 8)
        examples.append(what);
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<qsizetype>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values.at(std::min(index, values.size() - 1));
}

double median(const QList<double> &values)
{
    return percentile(values, 0.5);
}

double timeBare(const QString &python, const QStringList &arguments, Failures *failures,
                const QProcessEnvironment &environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    QElapsedTimer clock;
    clock.start();
    process.start(python, arguments);
    process.waitForFinished(60'000);
    const double ms = elapsedMs(clock);
    checkExit(python, arguments, process, failures);
    return ms;
}

double timeBareBatch(const QString &python, const QStringList &arguments, int count, Failures *failures)
{
    std::vector<std::unique_ptr<QProcess>> processes;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < count; ++i) {
        processes.push_back(std::make_unique<QProcess>());
        processes.back()->start(python, arguments);
    }
    for (auto &process : processes)
        process->waitForFinished(60'000); // the others keep running meanwhile
    const double ms = elapsedMs(clock);
    for (auto &process : processes)
        checkExit(python, arguments, *process, failures);
    return ms;
}

TimedRun runOnce(Engine &engine, const ExecutionRequest &request)
{
    const Batch batch = runConcurrently(engine, {request});
    return {batch.ms, batch.envelopes.value(0)};
}

Batch runConcurrently(Engine &engine, const QList<ExecutionRequest> &requests, const QByteArray &marker,
                      const std::function<void()> &whileAlive)
{
    Batch batch;
    std::vector<std::unique_ptr<ExecutionRun>> runs;
    QList<QByteArray> printed(requests.size());
    qsizetype finished = 0, marked = 0;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    for (const ExecutionRequest &request : requests)
        runs.emplace_back(engine.start(request, nullptr));
    for (qsizetype i = 0; i < requests.size(); ++i) {
        ExecutionRun *run = runs[static_cast<size_t>(i)].get();
        QObject::connect(run, &ExecutionRun::finished, &loop, [&] {
            if (++finished == requests.size())
                loop.quit();
        });
        if (whileAlive)
            QObject::connect(run, &ExecutionRun::output, &loop, [&, i](OutputStream stream, const QByteArray &chunk) {
                if (stream != OutputStream::Stdout || printed[i].contains(marker))
                    return;
                printed[i] += chunk;
                // Sampled only while none has finished: otherwise the tree is not "all alive".
                if (printed[i].contains(marker) && ++marked == requests.size() && finished == 0) {
                    batch.sawAllMarkers = true;
                    whileAlive();
                }
            });
        if (run->isFinished()) // finished() is asynchronous, but a start failure may already be in
            ++finished;
    }
    if (finished < requests.size())
        loop.exec();
    batch.ms = elapsedMs(clock);
    for (const auto &run : runs)
        batch.envelopes.append(run->envelope());
    return batch;
}

ExecutionRequest snippet(const QString &code)
{
    ExecutionRequest request;
    request.code = code;
    return request;
}

bool hasOnePng(const ResultEnvelope &envelope)
{
    return envelope.displays.size() == 1
        && envelope.displays.at(0).toObject().value(QStringLiteral("data")).toObject().contains(QStringLiteral("image/png"));
}

bool checkRun(const QString &caseName, const ResultEnvelope &envelope, const QString &expectedPath, Failures *failures)
{
    if (envelope.status != RunStatus::Ok) {
        failures->add(QStringLiteral("%1: status %2 (%3)").arg(caseName, statusName(envelope.status), envelope.statusDetail));
        return false;
    }
    if (envelope.engine.startPath != expectedPath) {
        failures->add(QStringLiteral("%1: started %2, expected %3 (%4)")
                          .arg(caseName, envelope.engine.startPath, expectedPath, envelope.engine.notes.join(QStringLiteral("; "))));
        return false;
    }
    return true;
}

QList<ExecutionRequest> tokenRequests(int count)
{
    QList<ExecutionRequest> requests;
    for (int i = 0; i < count; ++i) {
        ExecutionRequest request;
        request.code = QStringLiteral("result = token");
        request.inputs.insert(QStringLiteral("token"), QStringLiteral("run%1-%2").arg(i).arg(QRandomGenerator::global()->generate64(), 0, 16));
        requests.append(request);
    }
    return requests;
}

bool checkTokens(const QString &caseName, const QList<ExecutionRequest> &requests, const Batch &batch,
                 const QString &expectedPath, Failures *failures)
{
    bool ok = true;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        const ResultEnvelope envelope = batch.envelopes.value(i);
        if (!checkRun(caseName, envelope, expectedPath, failures)) {
            ok = false;
            continue;
        }
        const QString expected = requests.at(i).inputs.value(QStringLiteral("token")).toString();
        if (envelope.result.toString() != expected) {
            failures->add(QStringLiteral("%1: run %2 returned %3, expected its own token %4")
                              .arg(caseName).arg(i).arg(envelope.result.toString(), expected));
            ok = false;
        }
    }
    return ok;
}

bool waitForWarmPool(NativeEngine &engine, int timeoutMs, QString *problem)
{
    QElapsedTimer clock;
    clock.start();
    engine.prepareWarmPool();
    QFuture<NativeEnvironment> environment = engine.environment();
    while (!environment.isFinished() && clock.elapsed() < timeoutMs)
        spin(10);
    if (!environment.isFinished()) {
        *problem = QStringLiteral("finding the interpreter and the sandbox took over %1 s").arg(timeoutMs / 1000);
        return false;
    }
    if (const PythonInterpreter &python = environment.result().python; !python.isUsable()) {
        *problem = python.error;
        return false;
    }
    // The same pool prepareWarmPool() creates; asking directly also gives the reason when there is none.
    QString whyCold;
    WarmPool *pool = engine.warmPool(environment.result(), &whyCold);
    if (!pool) {
        *problem = whyCold.isEmpty() ? QStringLiteral("the warm pool is not configured") : whyCold;
        return false;
    }
    while (engine.currentWarmPool() && engine.currentWarmPool()->state() == WarmPool::State::Starting
           && clock.elapsed() < timeoutMs)
        spin(10);
    pool = engine.currentWarmPool();
    if (!pool)
        *problem = QStringLiteral("the warm pool went away while starting");
    else if (pool->state() == WarmPool::State::Failed)
        *problem = QStringLiteral("the warm pool failed: %1").arg(pool->problem());
    else if (pool->state() == WarmPool::State::Starting)
        *problem = QStringLiteral("the warm pool was not ready after %1 s").arg(timeoutMs / 1000);
    return pool && pool->state() == WarmPool::State::Ready;
}

} // namespace pysandbox::bench
