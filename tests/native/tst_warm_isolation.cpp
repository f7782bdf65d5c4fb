// Concurrent warm runs share one sandbox: what keeps them apart is each run's own Landlock
// domain and stacked seccomp filter. Each probe below is blocked with the layers in place, and
// taking a layer away (a test-only switch) lets its probes through, so each layer is shown to
// be the thing that blocks them.
#include "TestSupport.h"

#include "native/WarmPool.h"
#include "native/isolation/IsolationProbe.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QTimer>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

// Holds a secret file and an abstract socket, then waits while the prober runs.
const char kHolder[] = R"(import os, socket, time
open('secret.txt', 'w').write('holder-secret')
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind('\0' + token)
s.listen(1)
print('ready', os.getpid(), os.getcwd(), flush=True)
time.sleep(hold)
result = 'undisturbed'
)";

const char kProber[] = R"(import ctypes, os, socket
out = {}
def attempt(name, action):
    try:
        action()
        out[name] = 'allowed'
    except OSError as e:
        out[name] = 'blocked: %s' % (os.strerror(e.errno) if e.errno else e)
def abstract():
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect('\0' + token)
def sysv():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.shmget(0, 4096, 0o1600) < 0:
        raise OSError(ctypes.get_errno(), 'shmget')
attempt('signal', lambda: os.kill(pid, 0))
attempt('environ', lambda: open('/proc/%d/environ' % pid, 'rb').read())
attempt('list_dir', lambda: os.listdir(holder_dir))
attempt('read_file', lambda: open(holder_dir + '/secret.txt').read())
attempt('write_tmp', lambda: open('/tmp/probe-' + token, 'w').write('x'))
attempt('write_dev_shm', lambda: open('/dev/shm/probe-' + token, 'w').write('x'))
attempt('abstract_socket', abstract)
attempt('inet_socket', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
attempt('sysv_shm', sysv)
result = out
)";

struct Probe
{
    QJsonObject outcomes;
    ResultEnvelope holder;
    ResultEnvelope prober;
};

// Starts the holder, waits for its "ready" line, runs the prober against it, waits for both.
Probe probeAConcurrentRun(NativeEngine &engine)
{
    Probe probe;
    const QString token = uniqueToken(QStringLiteral("warm-probe-"));
    ExecutionRequest holderRequest;
    holderRequest.code = QString::fromUtf8(kHolder);
    holderRequest.inputs = {{QStringLiteral("token"), token}, {QStringLiteral("hold"), 1.5}};
    ExecutionRun *holder = engine.start(holderRequest, nullptr);
    QByteArray holderOut;
    bool holderDone = false;
    QObject::connect(holder, &ExecutionRun::output, holder, [&](OutputStream, const QByteArray &chunk) { holderOut += chunk; });
    QObject::connect(holder, &ExecutionRun::finished, holder, [&](const ResultEnvelope &envelope) {
        probe.holder = envelope;
        holderDone = true;
    });
    if (!QTest::qWaitFor([&] { return holderOut.contains('\n') || holderDone; }, 60'000)) {
        delete holder;
        return probe;
    }
    const QList<QByteArray> ready = holderOut.trimmed().split(' ');
    if (ready.size() == 3) {
        const QJsonObject inputs{{QStringLiteral("token"), token},
                                 {QStringLiteral("pid"), ready.at(1).toInt()},
                                 {QStringLiteral("holder_dir"), QString::fromUtf8(ready.at(2))}};
        probe.prober = runCode(engine, QString::fromUtf8(kProber), inputs).envelope;
        probe.outcomes = probe.prober.result.toObject();
    }
    if (!QTest::qWaitFor([&] { return holderDone; }, 30'000))
        qWarning("the holder run did not finish");
    delete holder;
    return probe;
}

NativeEngineConfig warmConfig(const QStringList &removedLayers = {})
{
    NativeEngineConfig config = nativeConfig();
    config.warmPool = true;
    config.removedLayersForTesting = removedLayers;
    return config;
}

} // namespace

class TestWarmIsolation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void concurrentRunsCannotReachEachOther();
    void eachLayerBlocksItsProbes_data();
    void eachLayerBlocksItsProbes();
    void fourConcurrentRunsKeepTheirOwnState();
};

void TestWarmIsolation::initTestCase()
{
    if (!testsRunSandboxed())
        QSKIP("the warm pool lives in the sandbox");
    NativeEngine probe(warmConfig());
    WarmPool *pool = waitForWarmPool(probe);
    if (pool && pool->state() == WarmPool::State::Failed && IsolationProbe::landlockAbi() < 6)
        QSKIP("this kernel's Landlock is too old for warm runs");
    QVERIFY2(pool && pool->state() == WarmPool::State::Ready, pool ? qPrintable(pool->problem()) : "no pool");
}

void TestWarmIsolation::concurrentRunsCannotReachEachOther()
{
    NativeEngine engine(warmConfig());
    const Probe probe = probeAConcurrentRun(engine);
    QCOMPARE(probe.prober.engine.startPath, QStringLiteral("warm"));
    QCOMPARE(probe.holder.engine.startPath, QStringLiteral("warm"));
    QVERIFY2(probe.outcomes.size() == 9, QJsonDocument(probe.prober.toJson()).toJson().constData());
    qInfo().noquote() << QJsonDocument(probe.outcomes).toJson(QJsonDocument::Compact);
    for (auto it = probe.outcomes.begin(); it != probe.outcomes.end(); ++it)
        QVERIFY2(it.value().toString().startsWith(QLatin1String("blocked")),
                 qPrintable(it.key() + QStringLiteral(": ") + it.value().toString()));
    QCOMPARE(statusName(probe.holder.status), QStringLiteral("ok"));
    QCOMPARE(probe.holder.result, QJsonValue(QStringLiteral("undisturbed")));
}

void TestWarmIsolation::eachLayerBlocksItsProbes_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QStringList>("nowAllowed");
    QTest::newRow("landlock") << QStringLiteral("landlock")
                              << QStringList{QStringLiteral("signal"), QStringLiteral("environ"), QStringLiteral("read_file"),
                                             QStringLiteral("list_dir"), QStringLiteral("write_tmp"),
                                             QStringLiteral("write_dev_shm"), QStringLiteral("abstract_socket")};
    QTest::newRow("per-run-seccomp") << QStringLiteral("per-run-seccomp")
                                     << QStringList{QStringLiteral("inet_socket"), QStringLiteral("sysv_shm")};
}

void TestWarmIsolation::eachLayerBlocksItsProbes()
{
    QFETCH(QString, layer);
    QFETCH(QStringList, nowAllowed);
    NativeEngine engine(warmConfig({layer}));
    const Probe probe = probeAConcurrentRun(engine);
    QCOMPARE(probe.prober.engine.startPath, QStringLiteral("warm"));
    // The envelope no longer claims the missing layer.
    QVERIFY(!probe.prober.engine.isolation.contains(layer));
    QVERIFY(probe.prober.engine.securityLevel.contains(QLatin1String("unverified")));
    qInfo().noquote() << layer << "removed:" << QJsonDocument(probe.outcomes).toJson(QJsonDocument::Compact);
    for (const QString &name : nowAllowed)
        QVERIFY2(probe.outcomes.value(name).toString() == QLatin1String("allowed"),
                 qPrintable(name + QStringLiteral(": ") + probe.outcomes.value(name).toString()));
}

void TestWarmIsolation::fourConcurrentRunsKeepTheirOwnState()
{
    NativeEngine engine(warmConfig());
    QVERIFY(waitForWarmPool(engine));
    const QString code = QStringLiteral(
        "import os, time\nopen('mine', 'w').write(token)\nSHARED = token\nprint(token, flush=True)\ntime.sleep(0.3)\n"
        "result = [token, open('mine').read(), SHARED, os.getcwd()]");
    QList<ExecutionRun *> runs;
    QHash<ExecutionRun *, QByteArray> stdoutOf;
    QHash<ExecutionRun *, ResultEnvelope> finished;
    for (int i = 0; i < 4; ++i) {
        ExecutionRequest request;
        request.code = code;
        request.inputs = {{QStringLiteral("token"), uniqueToken(QStringLiteral("run%1-").arg(i))}};
        ExecutionRun *run = engine.start(request, nullptr);
        QObject::connect(run, &ExecutionRun::output, run, [&stdoutOf, run](OutputStream, const QByteArray &chunk) { stdoutOf[run] += chunk; });
        QObject::connect(run, &ExecutionRun::finished, run, [&finished, run](const ResultEnvelope &envelope) { finished.insert(run, envelope); });
        runs.append(run);
    }
    QVERIFY(QTest::qWaitFor([&] { return finished.size() == 4; }, 60'000));
    QSet<QString> directories;
    for (ExecutionRun *run : runs) {
        const ResultEnvelope &envelope = finished.value(run);
        QCOMPARE(envelope.engine.startPath, QStringLiteral("warm"));
        const QJsonArray result = envelope.result.toArray();
        QCOMPARE(result.size(), 4);
        const QString token = result.at(0).toString();
        QCOMPARE(result.at(1).toString(), token);
        QCOMPARE(result.at(2).toString(), token);
        QCOMPARE(stdoutOf.value(run), token.toUtf8() + '\n');
        directories.insert(result.at(3).toString());
        delete run;
    }
    QCOMPARE(directories.size(), 4);
}

QTEST_GUILESS_MAIN(TestWarmIsolation)
#include "tst_warm_isolation.moc"
