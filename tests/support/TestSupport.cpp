#include "TestSupport.h"

#include "native/WarmPool.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QThread>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTimer>
#include <QUuid>

namespace pysandbox::test {

QString testPython()
{
    const QString configured = qEnvironmentVariable("PYSANDBOX_TEST_PYTHON");
    return configured.isEmpty() ? QStringLiteral("/usr/bin/python3") : configured;
}

bool pythonHasModule(const QString &module)
{
    QProcess process;
    process.start(testPython(), {QStringLiteral("-c"), QStringLiteral("import ") + module});
    return process.waitForFinished(30'000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

QString cliPath()
{
    return qEnvironmentVariable("PYSANDBOX_CLI");
}

QByteArray RunCapture::joined(OutputStream stream) const
{
    QByteArray bytes;
    for (const auto &[which, chunk] : chunks)
        if (which == stream)
            bytes += chunk;
    return bytes;
}

RunCapture runAndWait(Engine &engine, const ExecutionRequest &request, int testTimeoutMs,
                      const std::function<void(ExecutionRun *)> &whileRunning)
{
    RunCapture capture;
    ExecutionRun *run = engine.start(request, nullptr);
    QEventLoop loop;
    QObject::connect(run, &ExecutionRun::output, &loop,
                     [&capture](OutputStream stream, const QByteArray &chunk) { capture.chunks.append({stream, chunk}); });
    QObject::connect(run, &ExecutionRun::finished, &loop, [&](const ResultEnvelope &envelope) {
        capture.envelope = envelope;
        loop.quit();
    });
    QTimer::singleShot(testTimeoutMs, &loop, [&] {
        capture.timedOut = true;
        loop.quit();
    });
    if (whileRunning)
        whileRunning(run);
    if (!run->isFinished())
        loop.exec();
    else
        capture.envelope = run->envelope();
    delete run;
    return capture;
}

RunCapture runCode(Engine &engine, const QString &code, const QJsonObject &inputs, const ExecutionOptions &options)
{
    ExecutionRequest request;
    request.code = code;
    request.inputs = inputs;
    request.options = options;
    return runAndWait(engine, request);
}

NativeEngineConfig nativeConfig()
{
    NativeEngineConfig config;
    config.interpreter = testPython();
    // The same suites run once inside the sandbox and once as a plain rlimits-only child.
    if (qEnvironmentVariable("PYSANDBOX_TEST_ISOLATION") == QLatin1String("off")) {
        config.useIsolation = false;
        config.requireIsolation = false;
    }
    // The same suites once more through the warm pool (runs fall back to cold where it cannot be used).
    config.warmPool = qEnvironmentVariable("PYSANDBOX_TEST_WARM") == QLatin1String("on");
    return config;
}

bool testsRunWarm()
{
    return qEnvironmentVariable("PYSANDBOX_TEST_WARM") == QLatin1String("on") && testsRunSandboxed();
}

QString expectedSecurityLevel()
{
    return testsRunWarm() ? QStringLiteral("namespaces+seccomp+landlock") : QStringLiteral("namespaces+seccomp");
}

WarmPool *waitForWarmPool(NativeEngine &engine, int timeoutMs)
{
    engine.prepareWarmPool();
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        WarmPool *pool = engine.currentWarmPool();
        if (pool && pool->state() != WarmPool::State::Starting)
            return pool;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return engine.currentWarmPool();
}

bool testsRunSandboxed()
{
    return qEnvironmentVariable("PYSANDBOX_TEST_ISOLATION") != QLatin1String("off");
}

QList<qint64> processesWithMarker(const QByteArray &marker)
{
    QList<qint64> found;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(entry));
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!cmdline.open(QIODevice::ReadOnly) || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray statText = stat.readAll();
        const qsizetype close = statText.lastIndexOf(')');
        const char state = close >= 0 && close + 2 < statText.size() ? statText.at(close + 2) : '?';
        if (state != 'Z' && state != 'X' && cmdline.readAll().contains(marker))
            found.append(pid);
    }
    return found;
}

int openFileDescriptorCount()
{
    return static_cast<int>(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot).size());
}

QString uniqueToken(const QString &prefix)
{
    return prefix + QUuid::createUuid().toString(QUuid::Id128).left(16);
}

} // namespace pysandbox::test
