// The microsandbox engine's sandbox lifecycle against the TEST EMULATOR over real loopback HTTP:
// start once and reuse, find a warm sandbox another process started, wait for a portal that is
// not up yet, restart after the REPL is lost, stop on cancel, a fresh VM per run, runs that
// queue. (The emulator runs snippets unsandboxed on this machine: test snippets only.)
#include "MsbEmulator.h"
#include "TestSupport.h"

#include "microsandbox/MsbSandbox.h"

#include <QJsonArray>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTimer>
#include <QTest>

#include <csignal>

#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

RunCapture run(MicrosandboxEngine &engine, const QString &code, const ExecutionOptions &options = {})
{
    return runCode(engine, code, {}, options);
}

QJsonObject sandboxState(const MsbEmulator &emulator, const QString &name)
{
    for (const QJsonValue &entry : emulator.state().value(QStringLiteral("sandboxes")).toArray())
        if (entry.toObject().value(QStringLiteral("name")) == name)
            return entry.toObject();
    return {};
}

bool isZombie(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2, 1) == "Z";
}

} // namespace

class TestMsbEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void probeSaysReadyAndHonest();
    void firstRunBootsLaterRunsReuse();
    void secondEngineFindsTheWarmSandbox();
    void waitsForAPortalThatIsNotUpYet();
    void lostReplIsRestarted();
    void cancelStopsTheSandbox();
    void freshVmPerRun();
    void concurrentRunsTakeTurns();
    void hugeOutputArrivesWhole();
    void serverDownIsReported();
    void portalTimeoutRestartsTheSandbox();
    void snippetCannotTouchItsSupervisor();
    void serverKilledMidRunIsSurvived();
    void expiredKeyIsRenewedForARun();
    void namespaceDeniedIsReported();
    void versionGate();
    void closingTheEngineEndsItsRuns();
    void twoProcessesTakeTurnsOnOneVm();
    void freshVmCancelledWhileStartingIsStopped();

private:
    MsbEmulator m_emulator;
};

void TestMsbEngine::initTestCase()
{
    QVERIFY2(m_emulator.start(), qPrintable(m_emulator.error()));
}

void TestMsbEngine::probeSaysReadyAndHonest()
{
    MicrosandboxEngine engine(m_emulator.engineConfig());
    QFuture<EngineStatus> future = engine.probe();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20'000);
    const EngineStatus status = future.result();
    QVERIFY2(status.ready, qPrintable(status.problems.join(u'\n')));
    QVERIFY2(status.summary.startsWith(QStringLiteral("ready: microsandbox 0.2.6 at http://127.0.0.1:")), qPrintable(status.summary));
    QCOMPARE(status.caveat, QStringLiteral("network egress allowed"));
    QCOMPARE(status.securityLevel, QStringLiteral("micro-vm"));
    QVERIFY(status.isolation.contains(QStringLiteral("micro-vm")));
    QVERIFY(status.notes.join(u'\n').contains(QStringLiteral("network egress allowed")));
}

void TestMsbEngine::firstRunBootsLaterRunsReuse()
{
    MicrosandboxEngine engine(m_emulator.engineConfig());
    const int starts = m_emulator.countCalls(QStringLiteral("sandbox.start"));
    const RunCapture first = runCode(engine, QStringLiteral("result = sum(inputs['xs'])"),
                                     QJsonObject{{QStringLiteral("xs"), QJsonArray{1, 2, 3}}});
    QVERIFY2(first.envelope.status == RunStatus::Ok, qPrintable(first.envelope.statusDetail));
    QCOMPARE(first.envelope.result, QJsonValue(6));
    QCOMPARE(first.envelope.engine.name, QStringLiteral("microsandbox"));
    QCOMPARE(first.envelope.engine.startPath, QStringLiteral("cold"));
    QVERIFY(first.envelope.engine.notes.join(u'\n').contains(QStringLiteral("network egress allowed")));
    QCOMPARE(m_emulator.calls(starts), 1);

    const RunCapture second = run(engine, QStringLiteral("print('again')"));
    QCOMPARE(second.envelope.status, RunStatus::Ok);
    QCOMPARE(second.envelope.stdoutStream.bytes, QByteArray("again\n"));
    QCOMPARE(second.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(m_emulator.calls(starts), 1); // no second sandbox.start
    // …and the REPL kept no state of the first run: each run is a fresh process.
    const RunCapture third = run(engine, QStringLiteral("result = 'xs' in dir() or 'inputs' in globals() and bool(inputs)"));
    QCOMPARE(third.envelope.result, QJsonValue(false));
    m_emulator.clearFaults();
}

void TestMsbEngine::secondEngineFindsTheWarmSandbox()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    {
        MicrosandboxEngine first(config);
        QCOMPARE(run(first, QStringLiteral("result = 1")).envelope.status, RunStatus::Ok);
    } // the engine goes, the VM stays warm (as the CLI leaves it)
    const int starts = m_emulator.countCalls(QStringLiteral("sandbox.start"));
    MicrosandboxEngine second(config);
    const RunCapture again = run(second, QStringLiteral("result = 2"));
    QCOMPARE(again.envelope.result, QJsonValue(2));
    QCOMPARE(again.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(m_emulator.calls(starts), 0);
    m_emulator.clearFaults();
}

void TestMsbEngine::waitsForAPortalThatIsNotUpYet()
{
    MsbEmulator::Options options;
    options.extraArguments = {QStringLiteral("--boot-delay"), QStringLiteral("100")}; // ×0.02: 2 s
    MsbEmulator slow(options);
    QVERIFY2(slow.start(), qPrintable(slow.error()));
    MicrosandboxEngine engine(slow.engineConfig());
    const RunCapture capture = run(engine, QStringLiteral("result = 'up'"));
    QVERIFY2(capture.envelope.status == RunStatus::Ok, qPrintable(capture.envelope.statusDetail));
    QCOMPARE(capture.envelope.result, QJsonValue(QStringLiteral("up")));
    QVERIFY(capture.envelope.usage.wallMs < 2'000); // the snippet's time, not the boot's
    QVERIFY(capture.envelope.engine.notes.join(u'\n').contains(QStringLiteral("started for this run")));
}

void TestMsbEngine::lostReplIsRestarted()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    MicrosandboxEngine engine(config);
    QCOMPARE(run(engine, QStringLiteral("result = 1")).envelope.status, RunStatus::Ok);
    // The REPL dies (as after exit() in the REPL itself): "Engine unavailable" from then on.
    m_emulator.control("POST", QStringLiteral("sandbox/kill-repl"),
                       QJsonObject{{QStringLiteral("namespace"), config.ns},
                                   {QStringLiteral("sandbox"), config.effectiveSandboxName()}});
    const RunCapture broken = run(engine, QStringLiteral("result = 2"));
    QCOMPARE(broken.envelope.status, RunStatus::EngineError);
    QVERIFY2(broken.envelope.statusDetail.contains(QStringLiteral("restarted")), qPrintable(broken.envelope.statusDetail));
    const int starts = m_emulator.countCalls(QStringLiteral("sandbox.start"));
    const RunCapture healed = run(engine, QStringLiteral("result = 3"));
    QVERIFY2(healed.envelope.status == RunStatus::Ok, qPrintable(healed.envelope.statusDetail));
    QCOMPARE(healed.envelope.result, QJsonValue(3));
    QCOMPARE(healed.envelope.engine.startPath, QStringLiteral("cold"));
    QCOMPARE(m_emulator.calls(starts), 1);
    m_emulator.clearFaults();
}

void TestMsbEngine::cancelStopsTheSandbox()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    MicrosandboxEngine engine(config);
    QCOMPARE(run(engine, QStringLiteral("result = 1")).envelope.status, RunStatus::Ok);
    // The emulator runs snippets on this machine, so the snippet can leave its pid in a file
    // for the test to check (a real VM is simply gone).
    QTemporaryDir scratch; // writable for the unprivileged uid the wrapper runs snippets as
    QFile::setPermissions(scratch.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                              | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther);
    const QString pidFile = scratch.filePath(QStringLiteral("pid"));
    ExecutionRequest request;
    request.code = QStringLiteral("import os, time\nwith open(inputs['pid_file'], 'w') as f:\n    f.write(str(os.getpid()))\n"
                                  "while True: time.sleep(0.01)");
    request.inputs = {{QStringLiteral("pid_file"), pidFile}};
    QElapsedTimer clock;
    clock.start();
    const RunCapture cancelled = runAndWait(engine, request, 30'000, [](ExecutionRun *live) {
        QTimer::singleShot(1'000, live, [live] { live->cancel(); });
    });
    QCOMPARE(cancelled.envelope.status, RunStatus::Cancelled);
    QVERIFY(clock.elapsed() < 5'000);
    QVERIFY(cancelled.envelope.statusDetail.contains(QStringLiteral("VM was stopped")));
    // The VM really goes, with the snippet's processes.
    QTRY_COMPARE_WITH_TIMEOUT(sandboxState(m_emulator, config.effectiveSandboxName()).value(QStringLiteral("state")).toString(),
                              QStringLiteral("STOPPED"), 10'000);
    QFile file(pidFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const pid_t snippet = pid_t(file.readAll().toInt());
    QVERIFY(snippet > 1);
    QTRY_VERIFY_WITH_TIMEOUT(::kill(snippet, 0) != 0 || isZombie(snippet), 10'000);
    const RunCapture next = run(engine, QStringLiteral("result = 'after'"));
    QVERIFY2(next.envelope.status == RunStatus::Ok, qPrintable(next.envelope.statusDetail));
    QCOMPARE(next.envelope.engine.startPath, QStringLiteral("cold"));
}

void TestMsbEngine::freshVmPerRun()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    config.freshVmPerRun = true;
    MicrosandboxEngine engine(config);
    const int starts = m_emulator.countCalls(QStringLiteral("sandbox.start"));
    const int stops = m_emulator.countCalls(QStringLiteral("sandbox.stop"));
    for (int i = 0; i < 2; ++i) {
        const RunCapture capture = run(engine, QStringLiteral("result = %1").arg(i));
        QVERIFY2(capture.envelope.status == RunStatus::Ok, qPrintable(capture.envelope.statusDetail));
        QCOMPARE(capture.envelope.engine.securityLevel, QStringLiteral("micro-vm (fresh per run)"));
        QCOMPARE(capture.envelope.engine.startPath, QStringLiteral("cold"));
    }
    QCOMPARE(m_emulator.calls(starts), 2);
    QTRY_COMPARE(m_emulator.calls(stops), 2);
    int running = 0;
    for (const QJsonValue &entry : m_emulator.state().value(QStringLiteral("sandboxes")).toArray())
        if (entry.toObject().value(QStringLiteral("name")).toString().startsWith(config.effectiveSandboxName() + u'-')
            && entry.toObject().value(QStringLiteral("state")) == QLatin1String("RUNNING"))
            ++running;
    QTRY_COMPARE(running, 0);
    m_emulator.clearFaults();
}

void TestMsbEngine::concurrentRunsTakeTurns()
{
    MicrosandboxEngine engine(m_emulator.engineConfig());
    QList<ExecutionRun *> runs;
    QList<ResultEnvelope> envelopes(4);
    int done = 0;
    for (int i = 0; i < 4; ++i) {
        ExecutionRequest request;
        request.code = QStringLiteral("import time\ntime.sleep(0.2)\nresult = %1 * 10").arg(i);
        ExecutionRun *live = engine.start(request, this);
        connect(live, &ExecutionRun::finished, this, [&envelopes, &done, i](const ResultEnvelope &envelope) {
            envelopes[i] = envelope;
            ++done;
        });
        runs.append(live);
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 4, 30'000);
    for (int i = 0; i < 4; ++i) {
        QVERIFY2(envelopes[i].status == RunStatus::Ok, qPrintable(envelopes[i].statusDetail));
        QCOMPARE(envelopes[i].result, QJsonValue(i * 10));
    }
    qDeleteAll(runs);
}

void TestMsbEngine::hugeOutputArrivesWhole()
{
    MicrosandboxEngine engine(m_emulator.engineConfig());
    ExecutionOptions options;
    options.maxOutputBytes = 32 * 1024 * 1024;
    const RunCapture capture = run(engine, QStringLiteral(
        "import sys\nfor i in range(20 * 1024):\n    sys.stdout.write(('%07d' % i) + 'x' * 1016 + '\\n')"), options);
    QVERIFY2(capture.envelope.status == RunStatus::Ok, qPrintable(capture.envelope.statusDetail));
    const QByteArray &out = capture.envelope.stdoutStream.bytes;
    QCOMPARE(out.size(), 20 * 1024 * 1024);
    QVERIFY(!capture.envelope.stdoutStream.truncated);
    QVERIFY(out.startsWith("0000000xxx"));
    QVERIFY(out.contains("0020479x"));
    QCOMPARE(capture.joined(OutputStream::Stdout), out);
}

void TestMsbEngine::serverDownIsReported()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    config.server = QUrl(QStringLiteral("http://127.0.0.1:1")); // nothing listens on port 1
    MicrosandboxEngine engine(config);
    QFuture<EngineStatus> future = engine.probe();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20'000);
    QVERIFY(!future.result().ready);
    QCOMPARE(future.result().summary, QStringLiteral("server down"));
    QVERIFY(future.result().problems.join(u'\n').contains(QStringLiteral("msb server start")));
    const RunCapture capture = run(engine, QStringLiteral("result = 1"));
    QCOMPARE(capture.envelope.status, RunStatus::EngineError);
    QVERIFY(capture.envelope.statusDetail.contains(QStringLiteral("No microsandbox server answers")));
}

void TestMsbEngine::portalTimeoutRestartsTheSandbox()
{
    // The portal's own timeout (the wall limit + 10 s) at 1/20 of real time.
    MsbEmulator::Options options;
    options.execTimeScale = 0.05;
    MsbEmulator emulator(options);
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    MicrosandboxConfig config = emulator.engineConfig();
    MicrosandboxEngine engine(config);
    ExecutionOptions limits;
    limits.wallTimeoutMs = 2'000;
    QCOMPARE(run(engine, QStringLiteral("result = 1"), limits).envelope.status, RunStatus::Ok);
    // The REPL stops answering (stopped from outside, as a hung VM would be): the wrapper never
    // reports, the portal times out, and a timeout interrupts nothing (§5).
    const qint64 repl = sandboxState(emulator, config.effectiveSandboxName()).value(QStringLiteral("repl_pid")).toInteger();
    QVERIFY(repl > 1);
    QCOMPARE(::kill(pid_t(repl), SIGSTOP), 0);
    const RunCapture stalled = run(engine, QStringLiteral("result = 2"), limits);
    QCOMPARE(stalled.envelope.status, RunStatus::EngineError);
    QVERIFY2(stalled.envelope.statusDetail.contains(QStringLiteral("timed out")), qPrintable(stalled.envelope.statusDetail));
    QVERIFY(stalled.envelope.statusDetail.contains(QStringLiteral("restarts the sandbox")));
    QVERIFY(stalled.envelope.engine.notes.join(u'\n').contains(QStringLiteral("will be restarted before the next run")));
    const int stops = emulator.countCalls(QStringLiteral("sandbox.stop"));
    const RunCapture next = run(engine, QStringLiteral("result = 'fresh'"));
    QVERIFY2(next.envelope.status == RunStatus::Ok, qPrintable(next.envelope.statusDetail));
    QCOMPARE(next.envelope.result, QJsonValue(QStringLiteral("fresh")));
    QCOMPARE(next.envelope.engine.startPath, QStringLiteral("cold"));
    QCOMPARE(emulator.calls(stops), 1);
}

void TestMsbEngine::snippetCannotTouchItsSupervisor()
{
    MicrosandboxEngine engine(m_emulator.engineConfig());
    const RunCapture attack = run(engine, QStringLiteral(
        "import os, signal\nresult = {'uid': os.getuid()}\ntry:\n    os.kill(os.getppid(), signal.SIGSTOP)\n"
        "    result['stop'] = 'sent'\nexcept OSError as e:\n    result['stop'] = type(e).__name__\n"
        "try:\n    open('/proc/%d/mem' % os.getppid(), 'rb').read(1)\n    result['mem'] = 'read'\n"
        "except OSError as e:\n    result['mem'] = type(e).__name__"));
    QVERIFY2(attack.envelope.status == RunStatus::Ok, qPrintable(attack.envelope.statusDetail));
    const QJsonObject seen = attack.envelope.result.toObject();
    if (::geteuid() != 0)
        QSKIP("the emulator's REPL is not root here: the wrapper has no privileges to drop");
    // The REPL is root (as in a server-started VM); the snippet runs as nobody and cannot stop,
    // read or forge anything of the supervisor that reports on it.
    QCOMPARE(seen.value(QStringLiteral("uid")).toInt(), 65534);
    QCOMPARE(seen.value(QStringLiteral("stop")).toString(), QStringLiteral("PermissionError"));
    QCOMPARE(seen.value(QStringLiteral("mem")).toString(), QStringLiteral("PermissionError"));
    QVERIFY(attack.envelope.engine.isolation.contains(QStringLiteral("unprivileged-user")));
    QVERIFY(attack.envelope.engine.isolation.contains(QStringLiteral("rlimits")));
    const RunCapture after = run(engine, QStringLiteral("result = 'still warm'"));
    QCOMPARE(after.envelope.result, QJsonValue(QStringLiteral("still warm")));
    QCOMPARE(after.envelope.engine.startPath, QStringLiteral("warm"));
}

void TestMsbEngine::serverKilledMidRunIsSurvived()
{
    MsbEmulator emulator;
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    MicrosandboxEngine engine(emulator.engineConfig());
    QCOMPARE(run(engine, QStringLiteral("result = 1")).envelope.status, RunStatus::Ok);
    emulator.addFault({{QStringLiteral("kind"), QStringLiteral("die")}, {QStringLiteral("method"), QStringLiteral("sandbox.repl.run")}});
    QElapsedTimer clock;
    clock.start();
    const RunCapture lost = run(engine, QStringLiteral("result = 2"));
    QCOMPARE(lost.envelope.status, RunStatus::EngineError);
    QVERIFY(clock.elapsed() < 10'000);
    QVERIFY2(lost.envelope.statusDetail.contains(QStringLiteral("server")), qPrintable(lost.envelope.statusDetail));
    QTRY_VERIFY_WITH_TIMEOUT(!emulator.isRunning(), 10'000);
    // While it is down: a clear message, quickly.
    const RunCapture down = run(engine, QStringLiteral("result = 3"));
    QCOMPARE(down.envelope.status, RunStatus::EngineError);
    QVERIFY2(down.envelope.statusDetail.contains(QStringLiteral("No microsandbox server answers")), qPrintable(down.envelope.statusDetail));
    // The server comes back (same home, port and key): the next run starts the VM again.
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    const RunCapture back = run(engine, QStringLiteral("result = 4"));
    QVERIFY2(back.envelope.status == RunStatus::Ok, qPrintable(back.envelope.statusDetail));
    QCOMPARE(back.envelope.result, QJsonValue(4));
}

void TestMsbEngine::expiredKeyIsRenewedForARun()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    config.credentials.apiKey = m_emulator.control("POST", QStringLiteral("token"),
                                                   QJsonObject{{QStringLiteral("expire_seconds"), -3600}})
                                    .value(QStringLiteral("token")).toString();
    MicrosandboxEngine refused(config);
    const RunCapture failed = run(refused, QStringLiteral("result = 1"));
    QCOMPARE(failed.envelope.status, RunStatus::EngineError);
    QVERIFY2(failed.envelope.statusDetail.contains(QStringLiteral("expired")), qPrintable(failed.envelope.statusDetail));
    config.credentials.serverKeyFile = m_emulator.serverKeyFile();
    config.credentials.mayMint = true;
    MicrosandboxEngine renewing(config);
    QSignalSpy renewed(renewing.client(), &msb::MsbClient::apiKeyRenewed);
    const RunCapture ok = run(renewing, QStringLiteral("result = 'renewed'"));
    QVERIFY2(ok.envelope.status == RunStatus::Ok, qPrintable(ok.envelope.statusDetail));
    QCOMPARE(renewed.count(), 1);
}

void TestMsbEngine::namespaceDeniedIsReported()
{
    MicrosandboxConfig config = m_emulator.engineConfig();
    config.ns = QStringLiteral("analysts");
    config.credentials.apiKey = m_emulator.keygen(QStringLiteral("finance"));
    MicrosandboxEngine engine(config);
    QFuture<EngineStatus> future = engine.probe();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20'000);
    QVERIFY(!future.result().ready);
    QVERIFY2(future.result().problems.join(u'\n').contains(QStringLiteral("another namespace")),
             qPrintable(future.result().problems.join(u'\n')));
    const RunCapture capture = run(engine, QStringLiteral("result = 1"));
    QCOMPARE(capture.envelope.status, RunStatus::EngineError);
    QVERIFY(capture.envelope.statusDetail.contains(QStringLiteral("another namespace")));
}

void TestMsbEngine::versionGate()
{
    // The fake `msb` (tests/emulator/bin/msb) answers --version as FAKE_MSB_VERSION says.
    const QString fakeMsb = QStringLiteral(PYSANDBOX_TEST_EMULATOR_DIR "/bin/msb");
    const auto probeWith = [&](MicrosandboxEngine &engine, const QByteArray &version) {
        qputenv("FAKE_MSB_VERSION", version);
        QFuture<EngineStatus> future = engine.probe();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20'000); }();
        qunsetenv("FAKE_MSB_VERSION");
        return future.result();
    };
    MicrosandboxConfig config = m_emulator.engineConfig();
    config.msbProgram = fakeMsb;
    MicrosandboxEngine current(config);
    const EngineStatus ok = probeWith(current, "0.2.6");
    QVERIFY2(ok.ready, qPrintable(ok.problems.join(u'\n')));
    QVERIFY(!ok.notes.join(u'\n').contains(QStringLiteral("no msb command")));

    MicrosandboxEngine later(config);
    const EngineStatus refused = probeWith(later, "0.6.1");
    QVERIFY(!refused.ready);
    QCOMPARE(refused.summary, QStringLiteral("needs setup"));
    const QString why = refused.problems.join(u'\n');
    QVERIFY2(why.contains(QStringLiteral("msb 0.6.1 is installed")) && why.contains(QStringLiteral("no server"))
                 && why.contains(QStringLiteral("--version=0.2.6")), qPrintable(why));

    // 0.2.1 names two methods differently: the version msb reports picks the names.
    MsbEmulator::Options options;
    options.extraArguments = {QStringLiteral("--version"), QStringLiteral("0.2.1")};
    MsbEmulator old(options);
    QVERIFY2(old.start(), qPrintable(old.error()));
    MicrosandboxConfig oldConfig = old.engineConfig();
    oldConfig.msbProgram = fakeMsb;
    MicrosandboxEngine matching(oldConfig);
    const EngineStatus oldStatus = probeWith(matching, "0.2.1");
    QVERIFY2(oldStatus.ready, qPrintable(oldStatus.problems.join(u'\n')));
    const RunCapture capture = run(matching, QStringLiteral("result = 'old server'"));
    QVERIFY2(capture.envelope.status == RunStatus::Ok, qPrintable(capture.envelope.statusDetail));
    QCOMPARE(capture.envelope.engine.version, QStringLiteral("microsandbox 0.2.1"));
}

void TestMsbEngine::closingTheEngineEndsItsRuns()
{
    auto *engine = new MicrosandboxEngine(m_emulator.engineConfig());
    ExecutionRequest request;
    request.code = QStringLiteral("import time\ntime.sleep(0.5)\nresult = 1");
    QScopedPointer<ExecutionRun> inFlight(engine->start(request, nullptr));
    QScopedPointer<ExecutionRun> queued(engine->start(request, nullptr));
    QTest::qWait(300);
    delete engine;
    QTRY_VERIFY_WITH_TIMEOUT(inFlight->isFinished() && queued->isFinished(), 5'000);
    QCOMPARE(inFlight->envelope().status, RunStatus::EngineError);
    QVERIFY(inFlight->envelope().statusDetail.contains(QStringLiteral("closed")));
    QCOMPARE(queued->envelope().status, RunStatus::EngineError);
}

void TestMsbEngine::twoProcessesTakeTurnsOnOneVm()
{
    // Two engines with one profile stand for the GUI and the CLI: the lock file on this machine
    // keeps their turns apart, so the second neither probes behind the first's call nor
    // restarts the VM under it.
    // The REPL's timeouts at 1/10: a probe sent behind the GUI's 1.5 s call would time out (1 s)
    // and restart the VM under it.
    MsbEmulator::Options options;
    options.execTimeScale = 0.1;
    MsbEmulator emulator(options);
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    const MicrosandboxConfig config = emulator.engineConfig();
    MicrosandboxEngine gui(config), cli(config);
    QCOMPARE(run(gui, QStringLiteral("result = 0")).envelope.status, RunStatus::Ok);
    const int starts = emulator.countCalls(QStringLiteral("sandbox.start"));
    const int stops = emulator.countCalls(QStringLiteral("sandbox.stop"));
    const int replCalls = emulator.countCalls(QStringLiteral("sandbox.repl.run"));
    ExecutionRequest slow;
    slow.code = QStringLiteral("import time\ntime.sleep(1.5)\nresult = 'gui'");
    QScopedPointer<ExecutionRun> first(gui.start(slow, nullptr));
    QTest::qWait(300);
    ExecutionRequest quick;
    quick.code = QStringLiteral("result = 'cli'");
    QScopedPointer<ExecutionRun> second(cli.start(quick, nullptr));
    QTest::qWait(700);
    // While the GUI's call runs, the CLI has sent nothing to the VM, not even a probe.
    QVERIFY(!first->isFinished());
    QCOMPARE(emulator.calls(replCalls), 1);
    QTRY_VERIFY_WITH_TIMEOUT(first->isFinished() && second->isFinished(), 20'000);
    QCOMPARE(first->envelope().status, RunStatus::Ok);
    QVERIFY2(second->envelope().status == RunStatus::Ok, qPrintable(second->envelope().statusDetail));
    QCOMPARE(second->envelope().result, QJsonValue(QStringLiteral("cli")));
    QCOMPARE(emulator.calls(starts), 0);
    QCOMPARE(emulator.calls(stops), 0);
    // The CLI stops the VM: the GUI notices before its next run and starts it again.
    QVERIFY(cli.stopSandbox());
    QTRY_COMPARE_WITH_TIMEOUT(sandboxState(emulator, config.effectiveSandboxName()).value(QStringLiteral("state")).toString(),
                              QStringLiteral("STOPPED"), 10'000);
    const RunCapture again = run(gui, QStringLiteral("result = 'gui again'"));
    QVERIFY2(again.envelope.status == RunStatus::Ok, qPrintable(again.envelope.statusDetail));
    QCOMPARE(again.envelope.engine.startPath, QStringLiteral("cold"));
}

void TestMsbEngine::freshVmCancelledWhileStartingIsStopped()
{
    MsbEmulator::Options options;
    options.extraArguments = {QStringLiteral("--resolve-delay"), QStringLiteral("75")}; // ×0.02: every start 1.5 s
    MsbEmulator emulator(options);
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    MicrosandboxConfig config = emulator.engineConfig();
    config.freshVmPerRun = true;
    MicrosandboxEngine engine(config);
    const int stops = emulator.countCalls(QStringLiteral("sandbox.stop"));
    ExecutionRequest request;
    request.code = QStringLiteral("result = 1");
    const RunCapture cancelled = runAndWait(engine, request, 30'000, [](ExecutionRun *live) {
        QTimer::singleShot(300, live, [live] { live->cancel(); });
    });
    QCOMPARE(cancelled.envelope.status, RunStatus::Cancelled);
    // The start still answers later: the VM it made is stopped then, not left running.
    QTRY_COMPARE_WITH_TIMEOUT(emulator.calls(stops), 1, 10'000);
    const auto running = [&] {
        int count = 0;
        for (const QJsonValue &entry : emulator.state().value(QStringLiteral("sandboxes")).toArray())
            count += entry.toObject().value(QStringLiteral("state")) == QLatin1String("RUNNING") ? 1 : 0;
        return count;
    };
    QTRY_COMPARE_WITH_TIMEOUT(running(), 0, 10'000);
}

QTEST_GUILESS_MAIN(TestMsbEngine)
#include "tst_msb_engine.moc"
