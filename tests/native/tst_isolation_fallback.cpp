// A machine without bubblewrap (simulated by configuration): honest refusal, honest fallback.
#include "TestSupport.h"

#include <QFutureWatcher>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

EngineStatus probeNow(NativeEngine &engine)
{
    QFuture<EngineStatus> future = engine.probe();
    for (int i = 0; i < 3000 && !future.isFinished(); ++i)
        QTest::qWait(10);
    return future.isFinished() ? future.result() : EngineStatus{};
}

NativeEngineConfig withoutBubblewrap(bool require)
{
    NativeEngineConfig config = nativeConfig();
    config.useIsolation = true;
    config.bubblewrap = QStringLiteral("/nonexistent/bwrap");
    config.requireIsolation = require;
    return config;
}

} // namespace

class TestIsolationFallback : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void realMachineIsSandboxed();
    void missingBubblewrapRefusesByDefault();
    void missingBubblewrapFallsBackWhenAllowed();
};

void TestIsolationFallback::realMachineIsSandboxed()
{
    NativeEngineConfig config = nativeConfig();
    config.useIsolation = true;
    config.requireIsolation = true;
    NativeEngine engine(config);
    const EngineStatus status = probeNow(engine);
    QVERIFY2(status.ready, qPrintable(status.problems.join(QLatin1Char('\n'))));
    QCOMPARE(status.securityLevel, QStringLiteral("namespaces+seccomp"));
    QVERIFY(status.isolation.contains(QStringLiteral("seccomp")));
}

void TestIsolationFallback::missingBubblewrapRefusesByDefault()
{
    NativeEngine engine(withoutBubblewrap(true));
    const EngineStatus status = probeNow(engine);
    QVERIFY(!status.ready);
    QVERIFY2(status.problems.join(QLatin1Char('\n')).contains(QStringLiteral("apt install bubblewrap")),
             qPrintable(status.problems.join(QLatin1Char('\n'))));
    const RunCapture run = runCode(engine, QStringLiteral("result = 1"));
    QCOMPARE(run.envelope.status, RunStatus::EngineError);
    QVERIFY(run.envelope.statusDetail.contains(QStringLiteral("require isolation")));
    QVERIFY(!run.envelope.hasResult); // nothing ran
}

void TestIsolationFallback::missingBubblewrapFallsBackWhenAllowed()
{
    NativeEngine engine(withoutBubblewrap(false));
    const EngineStatus status = probeNow(engine);
    QVERIFY(status.ready);
    QCOMPARE(status.securityLevel, QStringLiteral("rlimits-only"));
    QVERIFY(!status.isolation.contains(QStringLiteral("seccomp")));
    const RunCapture run = runCode(engine, QStringLiteral("import socket\nresult = socket.gethostname()"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QVERIFY(run.envelope.result.toString() != QLatin1String("pysandbox")); // really no sandbox
    QCOMPARE(run.envelope.engine.securityLevel, QStringLiteral("rlimits-only"));
    QVERIFY(!run.envelope.engine.isolation.contains(QStringLiteral("network-namespace")));
    QVERIFY(!run.envelope.engine.notes.isEmpty());
}

QTEST_GUILESS_MAIN(TestIsolationFallback)
#include "tst_isolation_fallback.moc"
