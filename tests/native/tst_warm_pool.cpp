// The warm pool: a preloaded zygote forks each run, and every run still starts from a clean
// state with its own limits, directory and locks (docs/design/warm-pool.md).
#include "TestSupport.h"

#include "native/WarmPool.h"

#include <QDir>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>
#include <QTimer>

#include <csignal>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

NativeEngineConfig warmConfig()
{
    NativeEngineConfig config = nativeConfig();
    config.warmPool = true;
    return config;
}

bool processAlive(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const char state = line.at(line.lastIndexOf(')') + 2);
    return state != 'Z' && state != 'X';
}

} // namespace

class TestWarmPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void runsWarmWithEveryLayer();
    void preloadIsAlreadyImported();
    void previousRunsFilesAreGone();
    void stateDoesNotLeakBetweenRuns();
    void environmentIsPerRun();
    void leftoverProcessesDieWithTheRun();
    void crashedRunLeavesThePoolServing();
    void limitsStillTrip_data();
    void limitsStillTrip();
    void cancelStopsAWarmRun();
    void killedZygoteIsReplaced();
    void changingThePreloadRebuildsThePool();
    void aRebuildLetsRunsUnderWayFinish();
    void fallsBackToColdWithTheReason();
    void gatesThisMachineDoesNotHitSayWhy_data();
    void gatesThisMachineDoesNotHitSayWhy();
    void shutdownLeavesNothingBehind();

private:
    WarmPool *pool() const { return m_engine->currentWarmPool(); }
    std::unique_ptr<NativeEngine> m_engine;
};

void TestWarmPool::initTestCase()
{
    if (!testsRunSandboxed())
        QSKIP("the warm pool lives in the sandbox");
    m_engine = std::make_unique<NativeEngine>(warmConfig());
    WarmPool *warm = waitForWarmPool(*m_engine);
    QVERIFY(warm);
    QVERIFY2(warm->state() == WarmPool::State::Ready, qPrintable(warm->problem()));
}

void TestWarmPool::runsWarmWithEveryLayer()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("import os\nprint('hi')\nresult = os.getcwd()"));
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("ok"));
    QCOMPARE(run.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("hi\n"));
    QVERIFY2(run.envelope.result.toString().startsWith(QLatin1String("/work/run-")), qPrintable(run.envelope.result.toString()));
    const QStringList layers = run.envelope.engine.isolation;
    for (const char *layer : {"pid-namespace", "network-namespace", "mount-namespace", "seccomp", "no-capabilities",
                              "per-run-seccomp", "landlock"})
        QVERIFY2(layers.contains(QLatin1String(layer)), layer);
    QCOMPARE(run.envelope.engine.securityLevel, QStringLiteral("namespaces+seccomp+landlock"));
}

void TestWarmPool::preloadIsAlreadyImported()
{
    if (!pythonHasModule(QStringLiteral("pandas")))
        QSKIP("pandas is not installed for the test interpreter");
    QVERIFY(pool()->preloaded().contains(QStringLiteral("pandas")));
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import sys\nwas = 'pandas' in sys.modules\nimport pandas as pd\n"
        "result = [was, int(pd.DataFrame({'a': [1, 2, 3]}).a.sum())]"));
    QCOMPARE(run.envelope.result, QJsonValue(QJsonArray{true, 6}));
}

void TestWarmPool::previousRunsFilesAreGone()
{
    const RunCapture first = runCode(*m_engine, QStringLiteral(
        "import os\nopen('secret.txt', 'w').write('s3cret')\nos.mkdir('sub')\nos.chmod('sub', 0)\n"
        "result = os.path.abspath('secret.txt')"));
    QCOMPARE(first.envelope.status, RunStatus::Ok);
    const QString path = first.envelope.result.toString();
    const RunCapture second = runCode(*m_engine, QStringLiteral(
        "import os\nout = {'exists': os.path.exists(path), 'cwd_differs': os.getcwd() != os.path.dirname(path)}\n"
        "try:\n    os.listdir('/work')\n    out['list_work'] = 'allowed'\nexcept OSError as e:\n    out['list_work'] = type(e).__name__\n"
        "result = out"), {{QStringLiteral("path"), path}});
    const QJsonObject seen = second.envelope.result.toObject();
    QCOMPARE(seen.value(QStringLiteral("exists")), QJsonValue(false));
    QCOMPARE(seen.value(QStringLiteral("cwd_differs")), QJsonValue(true));
    QCOMPARE(seen.value(QStringLiteral("list_work")).toString(), QStringLiteral("PermissionError"));
    // The zygote removed the directory (modes the snippet set included): seen from the host.
    const QDir work(QStringLiteral("/proc/%1/root/work").arg(pool()->zygotePid()));
    if (!work.exists())
        QSKIP("cannot look into the sandbox from here");
    const QString runDirectory = QFileInfo(QFileInfo(path).path()).path(); // /work/run-<id>/work/secret.txt
    QTRY_VERIFY(!work.exists(QFileInfo(runDirectory).fileName()));
}

void TestWarmPool::stateDoesNotLeakBetweenRuns()
{
    const QString patch = QStringLiteral(
        "import builtins, json, os, sys\nbuiltins.leaked = 1\njson.dumps = lambda *a, **k: 'patched'\n"
        "sys.modules['evil'] = json\nsys.path.insert(0, '/evil')\nos.environ['LEAKED'] = '1'\nos.umask(0o777)\n"
        "import numpy\nnumpy.pi = 3\nGLOBAL = 42\nresult = json.dumps({})");
    QCOMPARE(runCode(*m_engine, patch).envelope.result, QJsonValue(QStringLiteral("patched")));
    const RunCapture clean = runCode(*m_engine, QStringLiteral(
        "import builtins, json, os, sys, numpy\numask = os.umask(0o22)\n"
        "result = [hasattr(builtins, 'leaked'), json.dumps({}), 'evil' in sys.modules, '/evil' in sys.path,\n"
        "          'LEAKED' in os.environ, umask, numpy.pi > 3.14, 'GLOBAL' in globals()]"));
    QCOMPARE(clean.envelope.result, QJsonValue(QJsonArray{false, QStringLiteral("{}"), false, false, false, 0022, true, false}));
}

void TestWarmPool::environmentIsPerRun()
{
    ExecutionOptions options;
    options.environment.insert(QStringLiteral("ANALYST_TOKEN"), QStringLiteral("t-123"));
    const RunCapture with = runCode(*m_engine, QStringLiteral("import os\nresult = [os.environ.get('ANALYST_TOKEN'), os.environ['HOME'] == os.getcwd()]"),
                                    {}, options);
    QCOMPARE(with.envelope.result, QJsonValue(QJsonArray{QStringLiteral("t-123"), true}));
    const RunCapture without = runCode(*m_engine, QStringLiteral("import os\nresult = os.environ.get('ANALYST_TOKEN')"));
    QVERIFY(without.envelope.result.isNull());
}

void TestWarmPool::leftoverProcessesDieWithTheRun()
{
    const QString marker = uniqueToken(QStringLiteral("warm-leftover-"));
    // A daemon (double fork, own session), a plain child, and a chain (a child in its own
    // session holding a grandchild); then the runner itself dies.
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import os, subprocess, sys, time\n"
        "sleeper = [sys.executable, '-c', 'import time; time.sleep(60)', marker]\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv(sys.executable, sleeper)\n    os._exit(0)\n"
        "if os.fork() == 0:\n    os.setsid()\n    subprocess.Popen(sleeper)\n    time.sleep(60)\n    os._exit(0)\n"
        "subprocess.Popen(sleeper)\n"
        "time.sleep(0.3)\nos._exit(3)"), {{QStringLiteral("marker"), marker}});
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 5000);
    QCOMPARE(runCode(*m_engine, QStringLiteral("result = 1")).envelope.engine.startPath, QStringLiteral("warm"));
}

void TestWarmPool::crashedRunLeavesThePoolServing()
{
    const pid_t zygote = pool()->zygotePid();
    const RunCapture crash = runCode(*m_engine, QStringLiteral("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"));
    QCOMPARE(crash.envelope.status, RunStatus::Error);
    QVERIFY2(crash.envelope.error && crash.envelope.error->message.contains(QLatin1String("signal 11")),
             qPrintable(crash.envelope.statusDetail));
    const RunCapture next = runCode(*m_engine, QStringLiteral("result = 2"));
    QCOMPARE(next.envelope.result, QJsonValue(2));
    QCOMPARE(next.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(pool()->zygotePid(), zygote);
}

void TestWarmPool::limitsStillTrip_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("status");
    QTest::newRow("memory") << QStringLiteral("x = bytearray(600 * 1024 * 1024)") << QStringLiteral("memory_limit");
    QTest::newRow("cpu") << QStringLiteral("while True: pass") << QStringLiteral("cpu_limit");
    QTest::newRow("wall") << QStringLiteral("import time\ntime.sleep(30)") << QStringLiteral("timeout");
    QTest::newRow("output") << QStringLiteral("import sys\nwhile True: sys.stdout.write('x' * 65536)") << QStringLiteral("output_limit");
    QTest::newRow("file size") << QStringLiteral("open('big', 'wb').write(b'x' * (4 << 20))") << QStringLiteral("file_size_limit");
    QTest::newRow("processes") << QStringLiteral("import os, time\nfor _ in range(40):\n    if os.fork() == 0:\n        time.sleep(5)\n        os._exit(0)\ntime.sleep(5)")
                               << QStringLiteral("process_limit");
}

void TestWarmPool::limitsStillTrip()
{
    QFETCH(QString, code);
    QFETCH(QString, status);
    ExecutionOptions options;
    options.memoryMb = 256;
    options.cpuSeconds = 1;
    options.wallTimeoutMs = 2000;
    options.maxOutputBytes = 1 << 20;
    options.maxFileSizeBytes = 1 << 20;
    options.maxProcesses = 8;
    const RunCapture run = runCode(*m_engine, code, {}, options);
    QCOMPARE(statusName(run.envelope.status), status);
    QCOMPARE(run.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(runCode(*m_engine, QStringLiteral("result = 'after'")).envelope.result, QJsonValue(QStringLiteral("after")));
}

void TestWarmPool::cancelStopsAWarmRun()
{
    ExecutionRequest request;
    request.code = QStringLiteral("import time\nprint('started', flush=True)\ntime.sleep(30)");
    const RunCapture run = runAndWait(*m_engine, request, 20'000, [](ExecutionRun *live) {
        QTimer::singleShot(300, live, &ExecutionRun::cancel);
    });
    QCOMPARE(run.envelope.status, RunStatus::Cancelled);
    QVERIFY(run.envelope.usage.wallMs < 5000);
}

void TestWarmPool::killedZygoteIsReplaced()
{
    QTRY_COMPARE_WITH_TIMEOUT(pool()->state(), WarmPool::State::Ready, 60'000);
    const pid_t zygote = pool()->zygotePid();
    QVERIFY(zygote > 1); // never kill(-1) or kill(0)
    const int restarts = pool()->restarts();
    QSignalSpy states(pool(), &WarmPool::stateChanged);
    ExecutionRequest request;
    request.code = QStringLiteral("import time\nprint('up', flush=True)\ntime.sleep(30)");
    const RunCapture inFlight = runAndWait(*m_engine, request, 20'000, [zygote](ExecutionRun *) {
        QTimer::singleShot(300, [zygote] { ::kill(zygote, SIGKILL); });
    });
    QCOMPARE(inFlight.envelope.status, RunStatus::EngineError);
    QVERIFY2(inFlight.envelope.statusDetail.contains(QLatin1String("warm interpreter stopped")), qPrintable(inFlight.envelope.statusDetail));
    QTRY_COMPARE_WITH_TIMEOUT(pool()->restarts(), restarts + 1, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(pool()->state(), WarmPool::State::Ready, 60'000);
    QVERIFY(pool()->zygotePid() != zygote);
    QVERIFY(states.size() >= 2); // Starting, then Ready
    const RunCapture next = runCode(*m_engine, QStringLiteral("result = 'served'"));
    QCOMPARE(next.envelope.result, QJsonValue(QStringLiteral("served")));
    QCOMPARE(next.envelope.engine.startPath, QStringLiteral("warm"));
}

void TestWarmPool::changingThePreloadRebuildsThePool()
{
    NativeEngine engine(warmConfig());
    QVERIFY(waitForWarmPool(engine));
    const pid_t before = engine.currentWarmPool()->zygotePid();
    NativeEngineConfig config = engine.config();
    config.preload = {QStringLiteral("json"), QStringLiteral("no_such_module_xyz")};
    engine.setConfig(config);
    QVERIFY(!processAlive(before) || QTest::qWaitFor([before] { return !processAlive(before); }, 5000));
    const RunCapture run = runCode(engine, QStringLiteral("import sys\nresult = ['json' in sys.modules, 'pandas' in sys.modules]"));
    QCOMPARE(run.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(run.envelope.result, QJsonValue(QJsonArray{true, false}));
    WarmPool *rebuilt = engine.currentWarmPool();
    QCOMPARE(rebuilt->preloaded(), QStringList{QStringLiteral("json")});
    QVERIFY(rebuilt->readyReport().value(QStringLiteral("failed")).toObject().contains(QStringLiteral("no_such_module_xyz")));
}

void TestWarmPool::aRebuildLetsRunsUnderWayFinish()
{
    NativeEngine engine(warmConfig());
    WarmPool *old = waitForWarmPool(engine);
    QVERIFY(old && old->state() == WarmPool::State::Ready);
    const pid_t oldZygote = old->zygotePid();
    ExecutionRequest request;
    request.code = QStringLiteral("import time\nprint('up', flush=True)\ntime.sleep(0.8)\nresult = 'survived'");
    const RunCapture run = runAndWait(engine, request, 30'000, [&engine](ExecutionRun *) {
        QTimer::singleShot(200, &engine, [&engine] {
            NativeEngineConfig config = engine.config();
            config.preload = {QStringLiteral("json")};
            engine.setConfig(config); // the old pool retires: no new runs, ends after this one
        });
    });
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("ok"));
    QCOMPARE(run.envelope.result, QJsonValue(QStringLiteral("survived")));
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(oldZygote), 5000);
    const RunCapture next = runCode(engine, QStringLiteral("import sys\nresult = 'pandas' in sys.modules"));
    QCOMPARE(next.envelope.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(next.envelope.result, QJsonValue(false));
}

void TestWarmPool::fallsBackToColdWithTheReason()
{
    NativeEngineConfig config = warmConfig();
    config.warmPoolMinAvailableMb = 1 << 30; // more memory than any machine has free
    NativeEngine engine(config);
    const RunCapture lowMemory = runCode(engine, QStringLiteral("result = 1"));
    QCOMPARE(lowMemory.envelope.status, RunStatus::Ok);
    QCOMPARE(lowMemory.envelope.engine.startPath, QStringLiteral("cold"));
    QVERIFY2(lowMemory.envelope.engine.notes.join(QLatin1Char(' ')).contains(QLatin1String("cold start: only")),
             qPrintable(lowMemory.envelope.engine.notes.join(QLatin1Char(' '))));

    QTemporaryFile input;
    QVERIFY(input.open());
    input.write("a,b\n1,2\n");
    input.flush();
    ExecutionOptions options;
    options.workingFiles = QStringList{input.fileName()};
    const RunCapture withFiles = runCode(*m_engine, QStringLiteral("import os\nresult = open('files/' + os.listdir('files')[0]).read()"), {}, options);
    QCOMPARE(withFiles.envelope.result, QJsonValue(QStringLiteral("a,b\n1,2\n")));
    QCOMPARE(withFiles.envelope.engine.startPath, QStringLiteral("cold"));
    QVERIFY(withFiles.envelope.engine.notes.join(QLatin1Char(' ')).contains(QLatin1String("input files")));
}

void TestWarmPool::gatesThisMachineDoesNotHitSayWhy_data()
{
    QTest::addColumn<int>("landlockAbi");
    QTest::addColumn<bool>("hasFork");
    QTest::addColumn<bool>("sandbox");
    QTest::addColumn<QString>("reason");
    QTest::newRow("Landlock without scoping") << 5 << true << true << QStringLiteral("Landlock ABI 6");
    QTest::newRow("no Landlock") << 0 << true << true << QStringLiteral("this kernel has 0");
    QTest::newRow("no fork") << 7 << false << true << QStringLiteral("cannot fork");
    QTest::newRow("no sandbox") << 7 << true << false << QStringLiteral("need the sandbox");
}

// The kernel here has Landlock ABI 7 and Python forks: the other machines' gates are shown
// with the facts the engine would have found there. No pool may be started for them.
void TestWarmPool::gatesThisMachineDoesNotHitSayWhy()
{
    QFETCH(int, landlockAbi);
    QFETCH(bool, hasFork);
    QFETCH(bool, sandbox);
    QFETCH(QString, reason);
    NativeEngine engine(warmConfig());
    NativeEnvironment environment = engine.environment().result();
    environment.isolation.landlockAbi = landlockAbi;
    environment.python.hasFork = hasFork;
    environment.isolation.namespacesWork = sandbox;
    QString whyCold;
    QCOMPARE(engine.warmPool(environment, &whyCold), static_cast<WarmPool *>(nullptr));
    QVERIFY2(whyCold.contains(reason), qPrintable(whyCold));
    QVERIFY(!engine.currentWarmPool());
}

void TestWarmPool::shutdownLeavesNothingBehind()
{
    auto engine = std::make_unique<NativeEngine>(warmConfig());
    WarmPool *warm = waitForWarmPool(*engine);
    QVERIFY(warm && warm->state() == WarmPool::State::Ready);
    const pid_t sandbox = warm->sandboxPid();
    const pid_t zygote = warm->zygotePid();
    QVERIFY(processAlive(sandbox) && processAlive(zygote));
    engine.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(zygote), 5000);
    QVERIFY(!processAlive(sandbox));
}

QTEST_GUILESS_MAIN(TestWarmPool)
#include "tst_warm_pool.moc"
