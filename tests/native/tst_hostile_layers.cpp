// Every isolation layer is what blocks its attack (issue #3): each layer is removed in turn
// (NativeEngineConfig::removedLayersForTesting) to show that the same hostile snippet works
// without it, and fails with it. A layer whose removal changes nothing would not be proven
// by the corpus. The host checks for itself too: its listeners, its sleep, a canary in /.
#include "HostileSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QSysInfo>
#include <QTest>

#include <functional>
#include <memory>

#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

// The layers the verifier reads from /proc (new-session is not visible there).
const QStringList kVerifiedLayers{
    QStringLiteral("network-namespace"), QStringLiteral("pid-namespace"), QStringLiteral("ipc-namespace"),
    QStringLiteral("uts-namespace"), QStringLiteral("cgroup-namespace"), QStringLiteral("mount-namespace"),
    QStringLiteral("seccomp"), QStringLiteral("read-only-root"), QStringLiteral("no-capabilities")};

} // namespace

using ResultCheck = std::function<bool(const QJsonObject &result)>;
Q_DECLARE_METATYPE(ResultCheck)

class TestHostileLayers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void layerRemoval_data();
    void layerRemoval();

private:
    QJsonObject standardInputs();

    HostileSandbox m_sandbox;
    HostPlaces m_places;
    HostTcpListener m_listener;
    HostAbstractListener m_abstract;
    HostSharedMemory m_shm;
    std::unique_ptr<HostSleep> m_hostSleep;
};

void TestHostileLayers::initTestCase()
{
    if (!testsRunSandboxed())
        QSKIP("the hostile corpus is about the sandbox; PYSANDBOX_TEST_ISOLATION=off runs none");
    const QString noTargets = createHostTargets(m_places, m_listener, m_abstract, m_shm);
    QVERIFY2(noTargets.isEmpty(), qPrintable(noTargets));
    const QString notReady = m_sandbox.warmUp(); // the engine works and is sandboxed
    QVERIFY2(notReady.isEmpty(), qPrintable(notReady));
}

void TestHostileLayers::cleanupTestCase()
{
    m_hostSleep.reset();
}

// Everything any snippet of the layer rows needs; each takes what it uses.
QJsonObject TestHostileLayers::standardInputs()
{
    m_hostSleep = std::make_unique<HostSleep>(uniqueToken(QStringLiteral("pysandbox_host_sleep_")));
    return {
        {QStringLiteral("port"), m_listener.port()},
        {QStringLiteral("abstract_name"), m_abstract.name()},
        {QStringLiteral("resolver"), firstNameserver()},
        {QStringLiteral("host_pid"), QCoreApplication::applicationPid()},
        {QStringLiteral("pid"), m_hostSleep->pid()},
        {QStringLiteral("key"), m_shm.key()},
        {QStringLiteral("secret"), m_places.keyFile()},
        {QStringLiteral("host_home"), QDir::homePath()},
        {QStringLiteral("targets"), QJsonArray{QStringLiteral("/") + uniqueToken(QStringLiteral("pysandbox-canary-"))}},
        {QStringLiteral("ptrace_targets"), QJsonArray{QStringLiteral("child")}},
    };
}

void TestHostileLayers::layerRemoval_data()
{
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QString>("snippet");
    QTest::addColumn<ResultCheck>("attackWorked"); // from the snippet's observations
    QTest::addColumn<QString>("hostFact");          // what the host checks itself, if anything

    auto row = [](const char *name, const char *layer, const char *snippet, ResultCheck worked, const char *hostFact = "") {
        QTest::newRow(name) << QString::fromLatin1(layer) << QString::fromLatin1(snippet) << worked << QString::fromLatin1(hostFact);
    };
    auto notEperm = [](const char *key) {
        return ResultCheck([key = QString::fromLatin1(key)](const QJsonObject &r) {
            return r.contains(key) && r.value(key).toString() != QLatin1String("EPERM");
        });
    };
    row("network-namespace: connect to the host's 127.0.0.1", "network-namespace", "network",
        [](const QJsonObject &r) { return at(r, QStringLiteral("tcp_loopback.connected")).toBool(); }, "listener");
    row("network-namespace: connect to the host's abstract unix socket", "network-namespace", "abstract_unix",
        [](const QJsonObject &r) { return r.value(QStringLiteral("connected")).toBool(); }, "abstract");
    row("pid-namespace: see the test process in /proc", "pid-namespace", "proc_pids",
        [](const QJsonObject &r) { return r.value(QStringLiteral("host_pid_visible")).toBool(); });
    row("pid-namespace: kill a host process", "pid-namespace", "signal_host",
        [](const QJsonObject &r) { return r.value(QStringLiteral("kill")).toString() == QLatin1String("sent"); }, "sleep");
    row("ipc-namespace: attach the host's shared memory", "ipc-namespace", "sysv_shm",
        [](const QJsonObject &r) { return r.value(QStringLiteral("shmget")).toString() == QLatin1String("found"); });
    row("uts-namespace: the host's name", "uts-namespace", "hostname",
        [](const QJsonObject &r) { return r.value(QStringLiteral("uname")).toString() == QSysInfo::machineHostName(); });
    row("cgroup-namespace: the host's cgroup paths", "cgroup-namespace", "cgroup", [](const QJsonObject &r) {
        for (const QJsonValue &line : r.value(QStringLiteral("lines")).toArray())
            if (line.toString().section(QLatin1Char(':'), 2) != QLatin1String("/"))
                return true;
        return false;
    });
    row("mount-namespace: read the key in the host's home", "mount-namespace", "read_ssh_key",
        [](const QJsonObject &r) { return at(r, QStringLiteral("secret.read")).toBool(); });
    row("read-only-root: create a file in /", "read-only-root", "write_outside", [](const QJsonObject &r) {
        return !r.isEmpty() && r.begin()->toObject().value(QStringLiteral("wrote")).toBool();
    });
    row("no-capabilities: any capability left", "no-capabilities", "capabilities", [](const QJsonObject &r) {
        for (const QJsonValue &set : r)
            if (set.toString().toULongLong(nullptr, 16) != 0)
                return true;
        return r.isEmpty();
    });
    row("new-session: the session leader is outside the sandbox", "new-session", "session",
        [](const QJsonObject &r) { return r.value(QStringLiteral("sid")).toInt(-1) == 0; });
    row("seccomp: keyctl", "seccomp", "keyctl", notEperm("keyctl"));
    row("seccomp: perf_event_open", "seccomp", "perf_event_open", notEperm("perf_event_open"));
    row("seccomp: io_uring_setup", "seccomp", "io_uring", notEperm("io_uring_setup"));
    row("seccomp: unshare(CLONE_NEWUSER)", "seccomp", "unshare", notEperm("CLONE_NEWUSER"));
    row("seccomp: ptrace a child", "seccomp", "ptrace", notEperm("child"));
    row("seccomp: TIOCSTI on a terminal of its own", "seccomp", "tiocsti", notEperm("own_pty"));
    row("seccomp: personality(READ_IMPLIES_EXEC)", "seccomp", "personality", notEperm("set"));
    row("seccomp: netlink socket", "seccomp", "sockets_raw", notEperm("netlink_route"));
    row("seccomp: keyctl through the i386 ABI", "seccomp", "other_abis", [](const QJsonObject &r) {
        return r.contains(QStringLiteral("i386_keyctl")) && r.value(QStringLiteral("i386_keyctl")).toString() != QLatin1String("signal 31");
    });
}

void TestHostileLayers::layerRemoval()
{
    QFETCH(QString, layer);
    QFETCH(QString, snippet);
    QFETCH(ResultCheck, attackWorked);
    QFETCH(QString, hostFact);
    if (layer == QLatin1String("no-capabilities") && ::geteuid() != 0)
        QSKIP("bubblewrap started by an ordinary user never hands out capabilities: nothing to remove");
    if (layer == QLatin1String("cgroup-namespace")) {
        QFile own(QStringLiteral("/proc/self/cgroup"));
        QVERIFY(own.open(QIODevice::ReadOnly));
        bool nested = false;
        for (const QByteArray &line : own.readAll().trimmed().split('\n'))
            nested = nested || line.split(':').value(2) != "/";
        if (!nested)
            QSKIP("this host runs in the root cgroup: its cgroup paths reveal nothing");
    }

    for (const bool removed : {false, true}) {
        const QStringList removedLayers = removed ? QStringList{layer} : QStringList{};
        const QString label = removed ? QStringLiteral("without ") + layer : QStringLiteral("with ") + layer;
        const QJsonObject inputs = standardInputs();
        const qint64 sleepPid = m_hostSleep->pid();
        m_listener.resetConnections();
        m_abstract.resetConnections();
        const Hostile run = m_sandbox.attack(snippet, inputs, {}, removedLayers);
        QVERIFY2(run.problem.isEmpty(), qPrintable(label + QStringLiteral(": ") + run.problem));
        QVERIFY2(run.run.envelope.hasResult, qPrintable(label + QStringLiteral(": ") + run.describe()));
        if (run.result.contains(QStringLiteral("supported")) && !run.result.value(QStringLiteral("supported")).toBool())
            QSKIP("no syscall numbers for this architecture in the snippet");

        QVERIFY2(attackWorked(run.result) == removed,
                 qPrintable(label + (removed ? QStringLiteral(": the attack still fails: ") : QStringLiteral(": the attack worked: "))
                            + run.describe()));
        if (hostFact == QLatin1String("listener"))
            QVERIFY2((m_listener.connectionsSeen() > 0) == removed,
                     qPrintable(label + QStringLiteral(": host listener saw %1").arg(m_listener.connections())));
        if (hostFact == QLatin1String("abstract"))
            QVERIFY2((m_abstract.connectionsSeen() > 0) == removed,
                     qPrintable(label + QStringLiteral(": host socket saw %1").arg(m_abstract.connections())));
        if (hostFact == QLatin1String("sleep")) {
            QVERIFY2(m_hostSleep->ended(removed ? 2000 : 0) == removed,
                     qPrintable(label + QStringLiteral(": host sleep %1 ").arg(sleepPid)
                                + (removed ? QStringLiteral("survived") : QStringLiteral("was killed"))));
        }
        const QString canary = inputs.value(QStringLiteral("targets")).toArray().at(0).toString();
        const bool canaryAppeared = QFileInfo::exists(canary);
        if (canaryAppeared)
            QFile::remove(canary);
        QVERIFY2(!canaryAppeared, "a canary appeared in the host's /");
        // The envelope reports what the verifier found in /proc: never a layer that was not there.
        if (kVerifiedLayers.contains(layer))
            QVERIFY2(run.run.envelope.engine.isolation.contains(layer) == !removed,
                     qPrintable(label + QStringLiteral(": engine.isolation = ") + run.run.envelope.engine.isolation.join(QLatin1Char(','))));
    }
}

QTEST_GUILESS_MAIN(TestHostileLayers)
#include "tst_hostile_layers.moc"
