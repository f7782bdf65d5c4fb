// The adversarial corpus (issue #3): every snippet in tests/hostile/ runs through the real
// sandboxed native engine, and each case checks what the snippet saw (its `result`) *and*
// what the host can check for itself (canaries absent, listener untouched, its processes
// alive, no leftovers, its fds unchanged). Then every isolation layer is removed in turn
// (NativeEngineConfig::removedLayersForTesting) to show that the same attack works without
// it: a layer whose removal changes nothing would not be proven by the corpus.
//
// The snippets are bounded so that even unsandboxed they stop within seconds and harm
// nothing: canaries only at the unique paths passed in `inputs`, network only to our
// 127.0.0.1 listener (UDP connect() route checks send no packet), signals only to our own
// `sleep` (kill_parent.py refuses when it can see the test), every loop capped.
#include "TestSupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <map>

#include <csignal>
#include <cstdlib>

#include <fcntl.h>
#include <spawn.h>
#include <sys/shm.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

QString hostileDir()
{
    const QString override = qEnvironmentVariable("PYSANDBOX_HOSTILE_DIR_OVERRIDE");
    return override.isEmpty() ? QStringLiteral(PYSANDBOX_HOSTILE_DIR) : override;
}

QString firstNameserver()
{
    QFile resolv(QStringLiteral("/etc/resolv.conf"));
    if (resolv.open(QIODevice::ReadOnly))
        for (const QByteArray &line : resolv.readAll().split('\n')) {
            const QList<QByteArray> words = line.simplified().split(' ');
            if (words.size() >= 2 && words.at(0) == "nameserver" && !words.at(1).contains(':'))
                return QString::fromLatin1(words.at(1));
        }
    return QStringLiteral("192.0.2.1");
}

qint64 freeBytes(const QString &path)
{
    struct statvfs fs {};
    return ::statvfs(QFile::encodeName(path).constData(), &fs) == 0 ? qint64(fs.f_bavail) * qint64(fs.f_frsize) : -1;
}

// A harmless host process sleeping 30 s: with a marker (Python, the marker in its command
// line) a target for signals and a holder of our environment; without, a plain `sleep`.
// Spawned without pipes, so that its death changes none of our fds.
class HostSleep
{
public:
    explicit HostSleep(const QString &marker = {})
    {
        const QByteArray python = QFile::encodeName(testPython());
        const QByteArray mark = marker.toUtf8();
        const char *marked[] = {python.constData(), "-c", "import time; time.sleep(30)", mark.constData(), nullptr};
        const char *plain[] = {"/bin/sleep", "30", nullptr};
        const char *const *argv = marker.isEmpty() ? plain : marked;
        if (::posix_spawn(&m_pid, argv[0], nullptr, nullptr, const_cast<char *const *>(argv), environ) != 0)
            m_pid = -1;
    }
    ~HostSleep() { stop(); }
    Q_DISABLE_COPY_MOVE(HostSleep)

    qint64 pid() const { return m_pid; }
    bool running()
    {
        if (m_pid > 0 && ::waitpid(m_pid, nullptr, WNOHANG) == m_pid)
            m_pid = -m_pid; // reaped: it is gone
        return m_pid > 0;
    }
    // Polls for up to `ms` for the process to end; true when it did.
    bool ended(int ms)
    {
        QElapsedTimer clock;
        clock.start();
        while (running() && clock.elapsed() < ms)
            QTest::qWait(20);
        return !running();
    }
    void stop()
    {
        if (running()) {
            ::kill(static_cast<pid_t>(m_pid), SIGKILL);
            ::waitpid(static_cast<pid_t>(m_pid), nullptr, 0);
        }
        m_pid = -std::abs(m_pid);
    }

private:
    pid_t m_pid = -1;
};

// What the snippet reported, looked up by a dotted path ("tcp_loopback.connected").
QJsonValue at(const QJsonObject &object, const QString &path)
{
    QJsonValue value = object;
    for (const QString &key : path.split(QLatin1Char('.')))
        value = value.toObject().value(key);
    return value;
}

QString compact(const QJsonValue &value)
{
    return QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("v"), value}}).toJson(QJsonDocument::Compact));
}

// The layers the verifier reads from /proc (new-session is not visible there).
const QStringList kVerifiedLayers{
    QStringLiteral("network-namespace"), QStringLiteral("pid-namespace"), QStringLiteral("ipc-namespace"),
    QStringLiteral("uts-namespace"), QStringLiteral("cgroup-namespace"), QStringLiteral("mount-namespace"),
    QStringLiteral("seccomp"), QStringLiteral("read-only-root"), QStringLiteral("no-capabilities")};

} // namespace

using ResultCheck = std::function<bool(const QJsonObject &result)>;
Q_DECLARE_METATYPE(ResultCheck)

// One run of one hostile snippet, with what the helper itself found wrong (empty: fine).
struct Hostile
{
    RunCapture run;
    QJsonObject result;
    QString problem;
    bool is(const char *status) const { return statusName(run.envelope.status) == QLatin1String(status); }
    QString describe() const
    {
        const ResultEnvelope &envelope = run.envelope;
        return QStringLiteral("status %1 (%2), result %3, error %4, stderr %5")
            .arg(statusName(envelope.status), envelope.statusDetail, compact(envelope.result),
                 envelope.error ? envelope.error->traceback.right(600) : QString(),
                 QString::fromUtf8(envelope.stderrStream.bytes.left(400)));
    }
};

class TestHostile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    // Reading host secrets
    void readSshKey();
    void readAppConfig();
    void readEtcShadow();
    void readOtherEnvironments();
    // Reaching out
    void writeOutsideScratch();
    void network();
    void abstractUnixSocket();
    void sysvIpc();
    // Exhausting the machine
    void forkBomb();
    void processLimitIgnoresTheUsersOtherProcesses();
    void memoryBomb();
    void diskFilling();
    void cpuSpin();
    void outputFlood_data();
    void outputFlood();
    // Processes outside
    void killParent();
    void signalHostProcess();
    void daemonOutlivesRun();
    void procShowsOnlySandbox();
    // Privileges and the kernel surface
    void raiseRlimits();
    void setuidRoot();
    void deniedCalls_data();
    void deniedCalls();
    // Leftovers and identity
    void leakedFileDescriptors();
    void statePersistsBetweenRuns();
    void hostname();

    // Every layer is what blocks its attack.
    void layerRemoval_data();
    void layerRemoval();

private:
    Hostile attack(const QString &snippet, const QJsonObject &inputs = {}, const ExecutionOptions &options = {},
                   const QStringList &removedLayers = {});
    NativeEngine &engine(const QStringList &removedLayers);
    QJsonObject standardInputs();
    int connectionsSeen();
    int abstractConnectionsSeen();

    std::map<QString, std::unique_ptr<NativeEngine>> m_engines;
    QTcpServer m_listener;
    int m_connections = 0;
    QLocalServer m_abstractListener;
    QString m_abstractName;
    int m_abstractConnections = 0;
    QTemporaryDir m_homeDir{QDir::homePath() + QStringLiteral("/.pysandbox-hostile-XXXXXX")};
    QTemporaryDir m_tmpDir{QDir::tempPath() + QStringLiteral("/pysandbox-hostile-XXXXXX")};
    QString m_secretFile;
    QString m_secret;
    QString m_appConfigDir;
    bool m_createdAppConfigDir = false;
    QString m_envToken;
    std::unique_ptr<HostSleep> m_environmentHolder;
    std::unique_ptr<HostSleep> m_hostSleep;
    int m_shmKey = 0;
    int m_shmId = -1;
};

// ---------------------------------------------------------------- fixture and helpers

void TestHostile::initTestCase()
{
    if (!testsRunSandboxed())
        QSKIP("the hostile corpus is about the sandbox; PYSANDBOX_TEST_ISOLATION=off runs none");
    QVERIFY2(QFileInfo(hostileDir() + QStringLiteral("/network.py")).isReadable(), qPrintable(hostileDir()));
    QVERIFY(m_homeDir.isValid() && m_tmpDir.isValid());

    // A fake private key in the host's home, readable by us (the user the sandbox maps to).
    m_secret = uniqueToken(QStringLiteral("PRIVATE-KEY-"));
    QVERIFY(QDir(m_homeDir.path()).mkpath(QStringLiteral(".ssh")));
    m_secretFile = m_homeDir.filePath(QStringLiteral(".ssh/id_ed25519"));
    QFile secret(m_secretFile);
    QVERIFY(secret.open(QIODevice::WriteOnly) && secret.write(m_secret.toUtf8()) > 0);
    secret.close();
    QFile::setPermissions(m_secretFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    // The app's own config directory (QSettings of organisation and application "PySandbox").
    m_appConfigDir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/PySandbox");
    m_createdAppConfigDir = !QFileInfo::exists(m_appConfigDir);
    QVERIFY(QDir().mkpath(m_appConfigDir));

    // A secret in our environment and in a child's (/proc/<pid>/environ shows the
    // environment a process started with, so the child is where the host can see it).
    m_envToken = uniqueToken(QStringLiteral("pysandbox_env_secret_"));
    qputenv("PYSANDBOX_HOSTILE_SECRET", m_envToken.toUtf8());
    m_environmentHolder = std::make_unique<HostSleep>(uniqueToken(QStringLiteral("pysandbox_env_holder_")));
    QVERIFY(m_environmentHolder->running());

    QVERIFY(m_listener.listen(QHostAddress::LocalHost, 0));
    connect(&m_listener, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
            ++m_connections;
            socket->abort();
            socket->deleteLater();
        }
    });
    QTcpSocket probe; // the listener really accepts loopback connections
    probe.connectToHost(QHostAddress::LocalHost, m_listener.serverPort());
    QVERIFY(probe.waitForConnected(2000));
    QTRY_COMPARE(m_connections, 1);
    probe.abort();
    m_connections = 0;

    // An abstract unix socket, the kind X11 and D-Bus listen on.
    m_abstractName = uniqueToken(QStringLiteral("pysandbox-hostile-"));
    m_abstractListener.setSocketOptions(QLocalServer::AbstractNamespaceOption);
    QVERIFY(m_abstractListener.listen(m_abstractName));
    connect(&m_abstractListener, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_abstractListener.nextPendingConnection()) {
            ++m_abstractConnections;
            socket->abort();
            socket->deleteLater();
        }
    });
    QLocalSocket localProbe;
    localProbe.setSocketOptions(QLocalSocket::AbstractNamespaceOption);
    localProbe.connectToServer(m_abstractName);
    QVERIFY(localProbe.waitForConnected(2000));
    QTRY_COMPARE(m_abstractConnections, 1);
    localProbe.abort();
    m_abstractConnections = 0;

    // A SysV shared-memory segment with a key the snippets are told.
    for (int i = 0; i < 20 && m_shmId < 0; ++i) {
        m_shmKey = static_cast<int>(QRandomGenerator::global()->bounded(0x10000000, 0x7fffffff));
        m_shmId = ::shmget(m_shmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    }
    QVERIFY2(m_shmId >= 0, "could not create a SysV shared-memory segment");

    // The engine works, is sandboxed, and its first run has set up what it caches (threads,
    // the probe), so that fd counts around later runs compare like with like.
    const RunCapture warmUp = runCode(engine({}), QStringLiteral("result = 1"));
    QCOMPARE(statusName(warmUp.envelope.status), QStringLiteral("ok"));
    QCOMPARE(warmUp.envelope.engine.securityLevel, QStringLiteral("namespaces+seccomp"));
}

void TestHostile::cleanupTestCase()
{
    if (m_shmId >= 0)
        ::shmctl(m_shmId, IPC_RMID, nullptr);
    m_environmentHolder.reset();
    m_hostSleep.reset();
    if (m_createdAppConfigDir)
        QDir(m_appConfigDir).removeRecursively();
}

NativeEngine &TestHostile::engine(const QStringList &removedLayers)
{
    const QString key = removedLayers.join(QLatin1Char(','));
    auto &slot = m_engines[key];
    if (!slot) {
        NativeEngineConfig config = nativeConfig();
        config.useIsolation = true;
        config.requireIsolation = true;
        config.removedLayersForTesting = removedLayers;
        slot = std::make_unique<NativeEngine>(config);
    }
    return *slot;
}

Hostile TestHostile::attack(const QString &snippet, const QJsonObject &inputs, const ExecutionOptions &options,
                            const QStringList &removedLayers)
{
    Hostile hostile;
    QFile file(hostileDir() + QLatin1Char('/') + snippet + QStringLiteral(".py"));
    if (!file.open(QIODevice::ReadOnly)) {
        hostile.problem = QStringLiteral("cannot read the snippet %1").arg(file.fileName());
        return hostile;
    }
    ExecutionRequest request;
    request.code = QString::fromUtf8(file.readAll());
    request.inputs = inputs;
    request.options = options;
    const int fdsBefore = openFileDescriptorCount();
    hostile.run = runAndWait(engine(removedLayers), request, 60'000);
    hostile.result = hostile.run.envelope.result.toObject();
    const int fdsAfter = openFileDescriptorCount();
    if (hostile.run.timedOut)
        hostile.problem = QStringLiteral("the run did not finish");
    else if (hostile.run.envelope.status == RunStatus::EngineError)
        hostile.problem = QStringLiteral("engine error: ") + hostile.run.envelope.statusDetail;
    else if (fdsAfter != fdsBefore)
        hostile.problem = QStringLiteral("the host's open fds went from %1 to %2").arg(fdsBefore).arg(fdsAfter);
    return hostile;
}

int TestHostile::connectionsSeen()
{
    QTest::qWait(100); // a connection the kernel completed is delivered by the event loop
    return m_connections;
}

int TestHostile::abstractConnectionsSeen()
{
    QTest::qWait(100);
    return m_abstractConnections;
}

// Everything any snippet of the layer rows needs; each takes what it uses.
QJsonObject TestHostile::standardInputs()
{
    m_hostSleep = std::make_unique<HostSleep>(uniqueToken(QStringLiteral("pysandbox_host_sleep_")));
    return {
        {QStringLiteral("port"), m_listener.serverPort()},
        {QStringLiteral("abstract_name"), m_abstractName},
        {QStringLiteral("resolver"), firstNameserver()},
        {QStringLiteral("host_pid"), QCoreApplication::applicationPid()},
        {QStringLiteral("pid"), m_hostSleep->pid()},
        {QStringLiteral("key"), m_shmKey},
        {QStringLiteral("secret"), m_secretFile},
        {QStringLiteral("host_home"), QDir::homePath()},
        {QStringLiteral("targets"), QJsonArray{QStringLiteral("/") + uniqueToken(QStringLiteral("pysandbox-canary-"))}},
        {QStringLiteral("ptrace_targets"), QJsonArray{QStringLiteral("child")}},
    };
}

// ---------------------------------------------------------------- reading host secrets

void TestHostile::readSshKey()
{
    QFile host(m_secretFile); // the target is real: the host reads it
    QVERIFY(host.open(QIODevice::ReadOnly) && host.readAll() == m_secret.toUtf8());

    const Hostile run = attack(QStringLiteral("read_ssh_key"), {{QStringLiteral("secret"), m_secretFile},
                                                                {QStringLiteral("host_home"), QDir::homePath()}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!at(run.result, QStringLiteral("secret.read")).toBool(), qPrintable(run.describe()));
    QVERIFY(!at(run.result, QStringLiteral("secret.exists")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("secret_dir_listed")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("host_home_visible")).toBool());
    QCOMPARE(run.result.value(QStringLiteral("ssh_dirs")).toArray(), QJsonArray{});
    QVERIFY(!run.run.envelope.stdoutStream.bytes.contains(m_secret.toUtf8()));
}

void TestHostile::readAppConfig()
{
    const QString tokenFile = m_appConfigDir + QLatin1Char('/') + uniqueToken(QStringLiteral("token-")) + QStringLiteral(".conf");
    const QString token = uniqueToken(QStringLiteral("api-token-"));
    QFile file(tokenFile);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(token.toUtf8()) > 0);
    file.close();
    const Hostile run = attack(QStringLiteral("read_app_config"), {{QStringLiteral("token_file"), tokenFile}});
    QFile::remove(tokenFile);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!run.result.value(QStringLiteral("read")).toBool(), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("exists")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("config_dir_visible")).toBool());
    QVERIFY(!run.result.contains(QStringLiteral("config_listing")));
}

void TestHostile::readEtcShadow()
{
    QVERIFY(QFileInfo::exists(QStringLiteral("/etc/shadow"))); // there is something to steal
    const Hostile run = attack(QStringLiteral("read_etc_shadow"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &path : {QStringLiteral("/etc/shadow"), QStringLiteral("/etc/gshadow"), QStringLiteral("/etc/sudoers")}) {
        const QJsonObject seen = run.result.value(path).toObject();
        QVERIFY2(!seen.value(QStringLiteral("read")).toBool(), qPrintable(path + QLatin1Char(' ') + run.describe()));
        QVERIFY2(!seen.value(QStringLiteral("exists")).toBool(), qPrintable(path + QLatin1Char(' ') + run.describe()));
    }
}

void TestHostile::readOtherEnvironments()
{
    // On the host the secret is findable: in the environment of the child we started.
    QFile holder(QStringLiteral("/proc/%1/environ").arg(m_environmentHolder->pid()));
    QVERIFY(holder.open(QIODevice::ReadOnly) && holder.readAll().contains(m_envToken.toUtf8()));
    QCOMPARE(qgetenv("PYSANDBOX_HOSTILE_SECRET"), m_envToken.toUtf8());

    const Hostile run = attack(QStringLiteral("read_proc_environ"), {{QStringLiteral("token"), m_envToken}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("found_in")).toArray().isEmpty(), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("own_environ_has_token")).toBool());
    QVERIFY2(run.result.value(QStringLiteral("scanned")).toInt() <= 4, qPrintable(run.describe()));
}

// ---------------------------------------------------------------- reaching out

void TestHostile::writeOutsideScratch()
{
    const QString token = uniqueToken(QStringLiteral("pysandbox-canary-"));
    const QString inHome = m_homeDir.filePath(token);
    const QString inHostTmpDir = m_tmpDir.filePath(token);
    const QString inTmp = QDir::tempPath() + QLatin1Char('/') + token;
    const QStringList mustFail{inHome, QStringLiteral("/") + token, QStringLiteral("/usr/") + token,
                               QStringLiteral("/etc/") + token, QStringLiteral("/work/../") + token + QStringLiteral("-up")};
    const QStringList targets = mustFail + QStringList{inHostTmpDir, inTmp}; // /tmp is private: may "work" inside
    const Hostile run = attack(QStringLiteral("write_outside"), {{QStringLiteral("targets"), QJsonArray::fromStringList(targets)}});
    QStringList appeared;
    for (const QString &path : targets)
        if (QFileInfo::exists(QDir::cleanPath(path)) && QFile::remove(QDir::cleanPath(path)))
            appeared.append(path);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(appeared.isEmpty(), qPrintable(QStringLiteral("canaries appeared on the host: ") + appeared.join(QStringLiteral(", "))));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &path : mustFail) {
        const QJsonObject seen = run.result.value(path).toObject();
        QVERIFY2(seen.value(QStringLiteral("wrote")) == QJsonValue(false) && !seen.value(QStringLiteral("wrote_after_mkdir")).toBool(),
                 qPrintable(path + QLatin1Char(' ') + run.describe()));
    }
}

void TestHostile::network()
{
    const QString resolver = firstNameserver();
    const Hostile run = attack(QStringLiteral("network"), {{QStringLiteral("port"), m_listener.serverPort()},
                                                           {QStringLiteral("resolver"), resolver}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QCOMPARE(connectionsSeen(), 0);
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!at(run.result, QStringLiteral("tcp_loopback.connected")).toBool(), qPrintable(run.describe()));
    const QJsonArray onlyLo{QStringLiteral("lo")};
    QCOMPARE(run.result.value(QStringLiteral("proc_net_dev")).toArray(), onlyLo);
    const QJsonValue netlink = run.result.value(QStringLiteral("if_nameindex")); // seccomp refuses netlink
    QVERIFY2(netlink == QJsonValue(QStringLiteral("EPERM")) || netlink.toArray() == onlyLo, qPrintable(run.describe()));
    const QJsonValue sysNet = run.result.value(QStringLiteral("sys_class_net")); // no /sys, or only lo
    QVERIFY2(sysNet.isString() || sysNet.toArray() == onlyLo, qPrintable(run.describe()));
    const QJsonObject routes = run.result.value(QStringLiteral("udp_routes")).toObject();
    QVERIFY(routes.contains(resolver));
    for (auto it = routes.begin(); it != routes.end(); ++it)
        QVERIFY2(!at(it->toObject(), QStringLiteral("routed")).toBool()
                     && at(it->toObject(), QStringLiteral("error")).toString() == QLatin1String("ENETUNREACH"),
                 qPrintable(it.key() + QLatin1Char(' ') + run.describe()));
}

void TestHostile::abstractUnixSocket()
{
    const Hostile run = attack(QStringLiteral("abstract_unix"), {{QStringLiteral("abstract_name"), m_abstractName}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QCOMPARE(abstractConnectionsSeen(), 0);
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!run.result.value(QStringLiteral("connected")).toBool(), qPrintable(run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("error")).toString(), QStringLiteral("ECONNREFUSED"));
}

void TestHostile::sysvIpc()
{
    QVERIFY(::shmget(m_shmKey, 0, 0) == m_shmId); // the host finds its segment by key
    const Hostile run = attack(QStringLiteral("sysv_shm"), {{QStringLiteral("key"), m_shmKey}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("shmget")).toString(), QStringLiteral("ENOENT"));
    QVERIFY(!run.result.value(QStringLiteral("key_listed")).toBool());
}

// ---------------------------------------------------------------- exhausting the machine

void TestHostile::forkBomb()
{
    const QString marker = uniqueToken(QStringLiteral("pysandbox_forkbomb_"));
    ExecutionOptions options;
    options.maxProcesses = 16;
    options.wallTimeoutMs = 20'000;
    // The host stays responsive: its event loop keeps ticking during the bomb.
    QElapsedTimer sinceTick;
    qint64 longestGap = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] {
        longestGap = std::max(longestGap, sinceTick.restart());
    });
    sinceTick.start();
    ticker.start(20);
    const Hostile run = attack(QStringLiteral("fork_bomb"), {{QStringLiteral("marker"), marker},
                                                             {QStringLiteral("max_forks"), 2000}}, options);
    ticker.stop();
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    const bool stoppedByHost = run.run.envelope.status == RunStatus::ProcessLimit;
    const bool refusedByKernel = run.result.value(QStringLiteral("refused")).toInt() > 0
        && run.result.value(QStringLiteral("first_error")).toString() == QLatin1String("EAGAIN");
    QVERIFY2(stoppedByHost || refusedByKernel, qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("forks")).toInt() < 2000, qPrintable(run.describe()));
    QVERIFY2(run.run.envelope.usage.wallMs < 10'000, qPrintable(QString::number(run.run.envelope.usage.wallMs)));
    QVERIFY2(longestGap < 1000, qPrintable(QStringLiteral("the host's event loop stalled for %1 ms").arg(longestGap)));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

void TestHostile::processLimitIgnoresTheUsersOtherProcesses()
{
    // The limit is on the snippet's processes. The user's other processes on the host (a
    // desktop session has hundreds of tasks) must not use it up: here, twice the limit.
    ExecutionOptions options;
    options.maxProcesses = 16;
    std::vector<std::unique_ptr<HostSleep>> crowd;
    for (int i = 0; i < 2 * options.maxProcesses; ++i)
        crowd.push_back(std::make_unique<HostSleep>());
    const Hostile run = attack(QStringLiteral("crowded_user"), {{QStringLiteral("children"), 4}}, options);
    crowd.clear();
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("started")).toInt(), 4);
}

void TestHostile::memoryBomb()
{
    ExecutionOptions options;
    options.memoryMb = 256;
    const Hostile run = attack(QStringLiteral("memory_bomb"), {}, options);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("memory_limit"), qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("allocated_mb")).toInt() < 256, qPrintable(run.describe()));
    QVERIFY(run.run.envelope.usage.wallMs < 10'000);
}

void TestHostile::diskFilling()
{
    constexpr qint64 kLimit = 16 << 20;
    ExecutionOptions options;
    options.maxFileSizeBytes = kLimit; // also the size of the RAM-backed /work and /tmp
    const qint64 freeBefore = freeBytes(QDir::tempPath());
    const Hostile run = attack(QStringLiteral("disk_fill"), {{QStringLiteral("max_bytes"), 256 << 20}}, options);
    const qint64 freeAfter = freeBytes(QDir::tempPath());
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("tmp_path")).toString(), QStringLiteral("/tmp"));
    for (const QString &fill : {QStringLiteral("work_many_files"), QStringLiteral("tmp_many_files"), QStringLiteral("work_one_file")}) {
        const QJsonObject seen = run.result.value(fill).toObject();
        const QString error = seen.value(QStringLiteral("error")).toString();
        const bool expected = fill == QLatin1String("work_one_file") ? (error == QLatin1String("EFBIG") || error == QLatin1String("ENOSPC"))
                                                                     : error == QLatin1String("ENOSPC");
        QVERIFY2(expected, qPrintable(fill + QLatin1Char(' ') + run.describe()));
        QVERIFY2(seen.value(QStringLiteral("bytes")).toDouble() <= kLimit, qPrintable(fill + QLatin1Char(' ') + run.describe()));
        QVERIFY2(seen.value(QStringLiteral("seconds")).toDouble() < 3.0, qPrintable(fill + QLatin1Char(' ') + run.describe()));
    }
    QVERIFY2(freeBefore - freeAfter < (8 << 20), qPrintable(QStringLiteral("host /tmp lost %1 bytes").arg(freeBefore - freeAfter)));
}

void TestHostile::cpuSpin()
{
    ExecutionOptions options;
    options.cpuSeconds = 1;
    options.wallTimeoutMs = 20'000;
    const Hostile run = attack(QStringLiteral("cpu_spin"), {}, options);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("cpu_limit"), qPrintable(run.describe()));
    QVERIFY2(run.run.envelope.usage.wallMs < 8000, qPrintable(QString::number(run.run.envelope.usage.wallMs)));
}

void TestHostile::outputFlood_data()
{
    QTest::addColumn<QString>("how");
    for (const char *how : {"print", "raw_fd", "child", "stderr"})
        QTest::newRow(how) << QString::fromLatin1(how);
}

void TestHostile::outputFlood()
{
    QFETCH(QString, how);
    constexpr qint64 kCap = 1 << 20;
    ExecutionOptions options;
    options.maxOutputBytes = kCap;
    const Hostile run = attack(QStringLiteral("output_flood"), {{QStringLiteral("how"), how}}, options);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    const ResultEnvelope &envelope = run.run.envelope;
    QCOMPARE(statusName(envelope.status), QStringLiteral("output_limit"));
    QCOMPARE(envelope.stdoutStream.bytes.size() + envelope.stderrStream.bytes.size(), kCap);
    QCOMPARE(run.run.joined(OutputStream::Stdout).size() + run.run.joined(OutputStream::Stderr).size(), kCap);
    QVERIFY(envelope.stdoutStream.truncated || envelope.stderrStream.truncated);
    QVERIFY(envelope.usage.wallMs < 10'000);
}

// ---------------------------------------------------------------- processes outside

void TestHostile::killParent()
{
    HostSleep sleeper(uniqueToken(QStringLiteral("pysandbox_kill_target_")));
    const Hostile run = attack(QStringLiteral("kill_parent"), {{QStringLiteral("host_pid"), QCoreApplication::applicationPid()},
                                                               {QStringLiteral("host_sleep_pid"), sleeper.pid()}});
    const bool sleeperAlive = sleeper.running();
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    // The sandbox (its init, the runner) survived its own SIGKILLs: the result came back.
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("host_visible")).toArray().isEmpty(), qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("alive_after")).toBool(), qPrintable(run.describe()));
    for (const QString &key : {QStringLiteral("parent"), QStringLiteral("pid1"), QStringLiteral("everyone")})
        QVERIFY2(run.result.contains(key), qPrintable(run.describe()));
    QVERIFY(sleeperAlive);               // kill(-1) did not reach the host
    QVERIFY(::getppid() > 1);            // and we are still here, with our parent
}

void TestHostile::signalHostProcess()
{
    const QString marker = uniqueToken(QStringLiteral("pysandbox_signal_target_"));
    HostSleep sleeper(marker);
    const qint64 pid = sleeper.pid();
    const Hostile run = attack(QStringLiteral("signal_host"), {{QStringLiteral("pid"), pid}});
    const bool alive = sleeper.running() && processesWithMarker(marker.toUtf8()).contains(pid);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("pid_visible")).toBool());
    for (const QString &key : {QStringLiteral("probe"), QStringLiteral("kill")}) {
        const QString outcome = run.result.value(key).toString();
        QVERIFY2(outcome == QLatin1String("ESRCH") || outcome == QLatin1String("EPERM"), qPrintable(run.describe()));
    }
    QVERIFY2(alive, "the host's sleep was killed from inside the sandbox");
}

void TestHostile::daemonOutlivesRun()
{
    const QString marker = uniqueToken(QStringLiteral("pysandbox_daemon_"));
    const QString canary = m_tmpDir.filePath(uniqueToken(QStringLiteral("daemon-canary-")));
    const Hostile run = attack(QStringLiteral("daemon"), {{QStringLiteral("marker"), marker}, {QStringLiteral("canary"), canary}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY(run.result.value(QStringLiteral("daemonized")).toBool());
    // It may take a moment to die: it is reparented to bubblewrap's init, and the PID
    // namespace's teardown kills it just after the run reports.
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 500);
    QTest::qWait(4000); // twice the daemon's delay
    QVERIFY2(!QFileInfo::exists(canary), "a daemon of the snippet wrote to the host after the run");
    QVERIFY(processesWithMarker(marker.toUtf8()).isEmpty());
}

void TestHostile::procShowsOnlySandbox()
{
    const qint64 self = QCoreApplication::applicationPid();
    const Hostile run = attack(QStringLiteral("proc_pids"), {{QStringLiteral("host_pid"), self}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("host_pid_visible")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("pids")).toArray().contains(self));
    // bubblewrap's init (1) and the runner: nothing else of the machine.
    QVERIFY2(run.result.value(QStringLiteral("count")).toInt() <= 3, qPrintable(run.describe()));
    QVERIFY(run.result.value(QStringLiteral("self")).toInt() <= 3);
}

// ---------------------------------------------------------------- privileges, kernel surface

void TestHostile::raiseRlimits()
{
    const Hostile run = attack(QStringLiteral("raise_rlimits"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &limit : {QStringLiteral("RLIMIT_AS"), QStringLiteral("RLIMIT_NPROC"), QStringLiteral("RLIMIT_CPU"),
                                 QStringLiteral("RLIMIT_FSIZE"), QStringLiteral("RLIMIT_CORE")}) {
        const QJsonObject seen = run.result.value(limit).toObject();
        QVERIFY2(!seen.value(QStringLiteral("raised_hard")).toBool(), qPrintable(limit + QLatin1Char(' ') + run.describe()));
        QCOMPARE(seen.value(QStringLiteral("after")), seen.value(QStringLiteral("before")));
        QVERIFY2(seen.value(QStringLiteral("before")).toArray().at(1).toDouble() >= 0, qPrintable(limit)); // a finite hard limit
    }
}

void TestHostile::setuidRoot()
{
    const Hostile run = attack(QStringLiteral("setuid"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &call : {QStringLiteral("setuid"), QStringLiteral("setgid"), QStringLiteral("setresuid"), QStringLiteral("setgroups")})
        QVERIFY2(run.result.value(call).toString() != QLatin1String("ok"), qPrintable(call + QLatin1Char(' ') + run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("uid_after")).toInt(), 65534);
    QCOMPARE(run.result.value(QStringLiteral("euid_after")).toInt(), 65534);
}

void TestHostile::deniedCalls_data()
{
    // snippet, inputs, and for each result key the outcomes that count as blocked.
    QTest::addColumn<QString>("snippet");
    QTest::addColumn<QJsonObject>("inputs");
    QTest::addColumn<QJsonObject>("blocked");
    const QJsonValue eperm = QStringLiteral("EPERM");
    QTest::newRow("mount") << QStringLiteral("mount") << QJsonObject{}
                           << QJsonObject{{QStringLiteral("tmpfs"), eperm}, {QStringLiteral("bind"), eperm}};
    QTest::newRow("unshare") << QStringLiteral("unshare") << QJsonObject{}
                             << QJsonObject{{QStringLiteral("CLONE_NEWUSER"), eperm}, {QStringLiteral("CLONE_NEWNS"), eperm},
                                            {QStringLiteral("CLONE_NEWNET"), eperm}};
    QTest::newRow("keyctl") << QStringLiteral("keyctl") << QJsonObject{}
                            << QJsonObject{{QStringLiteral("keyctl"), eperm}, {QStringLiteral("add_key"), eperm}};
    QTest::newRow("perf_event_open") << QStringLiteral("perf_event_open") << QJsonObject{}
                                     << QJsonObject{{QStringLiteral("perf_event_open"), eperm}};
    QTest::newRow("io_uring_setup") << QStringLiteral("io_uring") << QJsonObject{}
                                    << QJsonObject{{QStringLiteral("io_uring_setup"), eperm}};
    QTest::newRow("ptrace parent and child")
        << QStringLiteral("ptrace")
        << QJsonObject{{QStringLiteral("ptrace_targets"), QJsonArray{QStringLiteral("parent"), QStringLiteral("child")}},
                       {QStringLiteral("host_pid"), QCoreApplication::applicationPid()}}
        << QJsonObject{{QStringLiteral("parent"), eperm}, {QStringLiteral("child"), eperm}};
    QTest::newRow("TIOCSTI") << QStringLiteral("tiocsti") << QJsonObject{}
                             << QJsonObject{{QStringLiteral("stdin"), eperm}, {QStringLiteral("own_pty"), eperm},
                                            {QStringLiteral("dev_tty"), QJsonArray{eperm, QStringLiteral("open: ENXIO")}}};
    QTest::newRow("keyctl through the x32 and i386 ABIs")
        << QStringLiteral("other_abis") << QJsonObject{}
        << QJsonObject{{QStringLiteral("x32_keyctl"), QJsonArray{QStringLiteral("signal 31"), QStringLiteral("ENOSYS")}},
                       {QStringLiteral("i386_keyctl"), QJsonArray{QStringLiteral("signal 31"), QStringLiteral("signal 11")}}};
    QTest::newRow("personality READ_IMPLIES_EXEC") << QStringLiteral("personality") << QJsonObject{}
                                                   << QJsonObject{{QStringLiteral("set"), eperm}};
    QTest::newRow("raw, packet and netlink sockets")
        << QStringLiteral("sockets_raw") << QJsonObject{}
        << QJsonObject{{QStringLiteral("netlink_route"), eperm}, {QStringLiteral("netlink_audit"), eperm},
                       {QStringLiteral("packet"), eperm}, {QStringLiteral("inet_raw_icmp"), eperm},
                       {QStringLiteral("inet6_raw"), eperm}, {QStringLiteral("inet_packet"), eperm},
                       {QStringLiteral("vsock"), eperm}, {QStringLiteral("inet_tcp"), QStringLiteral("created")}};
}

void TestHostile::deniedCalls()
{
    QFETCH(QString, snippet);
    QFETCH(QJsonObject, inputs);
    QFETCH(QJsonObject, blocked);
    const Hostile run = attack(snippet, inputs);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    if (run.result.contains(QStringLiteral("supported")) && !run.result.value(QStringLiteral("supported")).toBool())
        QSKIP("no syscall numbers for this architecture in the snippet");
    for (auto it = blocked.begin(); it != blocked.end(); ++it) {
        const QJsonArray allowed = it->isArray() ? it->toArray() : QJsonArray{*it};
        QVERIFY2(allowed.contains(run.result.value(it.key())), qPrintable(it.key() + QLatin1Char(' ') + run.describe()));
    }
    if (snippet == QLatin1String("personality"))
        QCOMPARE(run.result.value(QStringLiteral("after")), run.result.value(QStringLiteral("query")));
}

// ---------------------------------------------------------------- leftovers and identity

void TestHostile::leakedFileDescriptors()
{
    // A host fd without O_CLOEXEC: only the engine's own closing keeps it from the child.
    const QString hostFile = m_tmpDir.filePath(uniqueToken(QStringLiteral("host-fd-")));
    QFile create(hostFile);
    QVERIFY(create.open(QIODevice::WriteOnly));
    create.close();
    const int hostFd = ::open(QFile::encodeName(hostFile).constData(), O_RDONLY);
    QVERIFY(hostFd >= 0);
    const Hostile run = attack(QStringLiteral("leaked_fds"));
    ::close(hostFd);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    const QJsonObject open = run.result.value(QStringLiteral("open")).toObject();
    QCOMPARE(open.keys(), (QStringList{QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4")}));
    QCOMPARE(open.value(QStringLiteral("0")).toString(), QStringLiteral("/dev/null"));
    for (const QJsonValue &target : open)
        QVERIFY2(!target.toString().contains(QFileInfo(hostFile).fileName()), qPrintable(run.describe()));
    // The listing shows the same five plus the fd the listing itself used.
    QJsonArray listed = run.result.value(QStringLiteral("listed")).toArray();
    QVERIFY2(listed.size() == 6, qPrintable(run.describe()));
    for (int fd = 0; fd < 5; ++fd)
        QCOMPARE(listed.at(fd).toInt(), fd);
}

void TestHostile::statePersistsBetweenRuns()
{
    const QString token = uniqueToken(QStringLiteral("state-"));
    const Hostile first = attack(QStringLiteral("state_write"), {{QStringLiteral("token"), token}});
    QVERIFY2(first.problem.isEmpty(), qPrintable(first.problem));
    QVERIFY2(first.is("ok"), qPrintable(first.describe()));
    QVERIFY2(at(first.result, QStringLiteral("written")).toObject().value(QStringLiteral("/work/state.txt")).toBool()
                 && at(first.result, QStringLiteral("written")).toObject().value(QStringLiteral("/tmp/state.txt")).toBool(),
             qPrintable(first.describe())); // the traces were really left
    const Hostile second = attack(QStringLiteral("state_read"), {{QStringLiteral("token"), token}});
    QVERIFY2(second.problem.isEmpty(), qPrintable(second.problem));
    QVERIFY2(second.is("ok"), qPrintable(second.describe()));
    QVERIFY2(second.result.value(QStringLiteral("found")).toArray().isEmpty(), qPrintable(second.describe()));
    QCOMPARE(second.result.value(QStringLiteral("work_listing")).toArray(), QJsonArray{});
    QCOMPARE(second.result.value(QStringLiteral("tmp_listing")).toArray(), QJsonArray{});
}

void TestHostile::hostname()
{
    const Hostile run = attack(QStringLiteral("hostname"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &source : {QStringLiteral("uname"), QStringLiteral("gethostname"), QStringLiteral("proc")})
        QCOMPARE(run.result.value(source).toString(), QStringLiteral("pysandbox"));
    QVERIFY(!run.result.value(QStringLiteral("etc_hostname_exists")).toBool());
}

// ---------------------------------------------------------------- layer removal

void TestHostile::layerRemoval_data()
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

void TestHostile::layerRemoval()
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
        m_connections = 0;
        m_abstractConnections = 0;
        const Hostile run = attack(snippet, inputs, {}, removedLayers);
        QVERIFY2(run.problem.isEmpty(), qPrintable(label + QStringLiteral(": ") + run.problem));
        QVERIFY2(run.run.envelope.hasResult, qPrintable(label + QStringLiteral(": ") + run.describe()));
        if (run.result.contains(QStringLiteral("supported")) && !run.result.value(QStringLiteral("supported")).toBool())
            QSKIP("no syscall numbers for this architecture in the snippet");

        QVERIFY2(attackWorked(run.result) == removed,
                 qPrintable(label + (removed ? QStringLiteral(": the attack still fails: ") : QStringLiteral(": the attack worked: "))
                            + run.describe()));
        if (hostFact == QLatin1String("listener"))
            QVERIFY2((connectionsSeen() > 0) == removed, qPrintable(label + QStringLiteral(": host listener saw %1").arg(m_connections)));
        if (hostFact == QLatin1String("abstract"))
            QVERIFY2((abstractConnectionsSeen() > 0) == removed,
                     qPrintable(label + QStringLiteral(": host socket saw %1").arg(m_abstractConnections)));
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

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
