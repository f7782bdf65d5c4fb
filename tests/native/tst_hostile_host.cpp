// The hostile corpus against the host (issue #3): the snippets try to read its secrets, write
// outside their scratch space, reach its network, sockets and shared memory, signal and see
// its processes, and leave something behind (fds, files, a daemon) for later. Each case
// checks what the snippet saw and what the host can check for itself (HostileSupport.h).
#include "HostileSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QStandardPaths>
#include <QTest>

#include <fcntl.h>
#include <sys/shm.h>
#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

class TestHostileHost : public QObject
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
    // Processes outside
    void killParent();
    void signalHostProcess();
    void daemonOutlivesRun();
    void procShowsOnlySandbox();
    // Leftovers and identity
    void leakedFileDescriptors();
    void statePersistsBetweenRuns();
    void hostname();

private:
    HostileSandbox m_sandbox;
    HostPlaces m_places;
    HostTcpListener m_listener;
    HostAbstractListener m_abstract;
    HostSharedMemory m_shm;
    QString m_appConfigDir;
    bool m_createdAppConfigDir = false;
    QString m_envToken;
    std::unique_ptr<HostSleep> m_environmentHolder;
};

void TestHostileHost::initTestCase()
{
    if (!testsRunSandboxed())
        QSKIP("the hostile corpus is about the sandbox; PYSANDBOX_TEST_ISOLATION=off runs none");
    const QString noTargets = createHostTargets(m_places, m_listener, m_abstract, m_shm);
    QVERIFY2(noTargets.isEmpty(), qPrintable(noTargets));

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

    const QString notReady = m_sandbox.warmUp(); // the engine works and is sandboxed
    QVERIFY2(notReady.isEmpty(), qPrintable(notReady));
}

void TestHostileHost::cleanupTestCase()
{
    m_environmentHolder.reset();
    if (m_createdAppConfigDir)
        QDir(m_appConfigDir).removeRecursively();
}

// ---------------------------------------------------------------- reading host secrets

void TestHostileHost::readSshKey()
{
    QFile host(m_places.keyFile()); // the target is real: the host reads it
    QVERIFY(host.open(QIODevice::ReadOnly) && host.readAll() == m_places.key().toUtf8());

    const Hostile run = m_sandbox.attack(QStringLiteral("read_ssh_key"),
                                         {{QStringLiteral("secret"), m_places.keyFile()},
                                          {QStringLiteral("host_home"), QDir::homePath()}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!at(run.result, QStringLiteral("secret.read")).toBool(), qPrintable(run.describe()));
    QVERIFY(!at(run.result, QStringLiteral("secret.exists")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("secret_dir_listed")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("host_home_visible")).toBool());
    QCOMPARE(run.result.value(QStringLiteral("ssh_dirs")).toArray(), QJsonArray{});
    QVERIFY(!run.run.envelope.stdoutStream.bytes.contains(m_places.key().toUtf8()));
}

void TestHostileHost::readAppConfig()
{
    const QString tokenFile = m_appConfigDir + QLatin1Char('/') + uniqueToken(QStringLiteral("token-")) + QStringLiteral(".conf");
    const QString token = uniqueToken(QStringLiteral("api-token-"));
    QFile file(tokenFile);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(token.toUtf8()) > 0);
    file.close();
    const Hostile run = m_sandbox.attack(QStringLiteral("read_app_config"), {{QStringLiteral("token_file"), tokenFile}});
    QFile::remove(tokenFile);
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!run.result.value(QStringLiteral("read")).toBool(), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("exists")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("config_dir_visible")).toBool());
    QVERIFY(!run.result.contains(QStringLiteral("config_listing")));
}

void TestHostileHost::readEtcShadow()
{
    QVERIFY(QFileInfo::exists(QStringLiteral("/etc/shadow"))); // there is something to steal
    const Hostile run = m_sandbox.attack(QStringLiteral("read_etc_shadow"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &path : {QStringLiteral("/etc/shadow"), QStringLiteral("/etc/gshadow"), QStringLiteral("/etc/sudoers")}) {
        const QJsonObject seen = run.result.value(path).toObject();
        QVERIFY2(!seen.value(QStringLiteral("read")).toBool(), qPrintable(path + QLatin1Char(' ') + run.describe()));
        QVERIFY2(!seen.value(QStringLiteral("exists")).toBool(), qPrintable(path + QLatin1Char(' ') + run.describe()));
    }
}

void TestHostileHost::readOtherEnvironments()
{
    // On the host the secret is findable: in the environment of the child we started.
    QFile holder(QStringLiteral("/proc/%1/environ").arg(m_environmentHolder->pid()));
    QVERIFY(holder.open(QIODevice::ReadOnly) && holder.readAll().contains(m_envToken.toUtf8()));
    QCOMPARE(qgetenv("PYSANDBOX_HOSTILE_SECRET"), m_envToken.toUtf8());

    const Hostile run = m_sandbox.attack(QStringLiteral("read_proc_environ"), {{QStringLiteral("token"), m_envToken}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(run.result.value(QStringLiteral("found_in")).toArray().isEmpty(), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("own_environ_has_token")).toBool());
    // init and the runner (warm: also the zygote, its spare and a finished run still going away)
    QVERIFY2(run.result.value(QStringLiteral("scanned")).toInt() <= (testsRunWarm() ? 6 : 4), qPrintable(run.describe()));
}

// ---------------------------------------------------------------- reaching out

void TestHostileHost::writeOutsideScratch()
{
    const QString token = uniqueToken(QStringLiteral("pysandbox-canary-"));
    const QString inHome = m_places.inHome(token);
    const QString inHostTmpDir = m_places.inTmp(token);
    const QString inTmp = QDir::tempPath() + QLatin1Char('/') + token;
    const QStringList mustFail{inHome, QStringLiteral("/") + token, QStringLiteral("/usr/") + token,
                               QStringLiteral("/etc/") + token, QStringLiteral("/work/../") + token + QStringLiteral("-up")};
    const QStringList targets = mustFail + QStringList{inHostTmpDir, inTmp}; // /tmp is private: may "work" inside
    const Hostile run = m_sandbox.attack(QStringLiteral("write_outside"),
                                         {{QStringLiteral("targets"), QJsonArray::fromStringList(targets)}});
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

void TestHostileHost::network()
{
    const QString resolver = firstNameserver();
    const Hostile run = m_sandbox.attack(QStringLiteral("network"), {{QStringLiteral("port"), m_listener.port()},
                                                                     {QStringLiteral("resolver"), resolver}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QCOMPARE(m_listener.connectionsSeen(), 0);
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
    // A warm run's own seccomp filter refuses inet sockets outright.
    const QString refused = testsRunWarm() ? QStringLiteral("EAFNOSUPPORT") : QStringLiteral("ENETUNREACH");
    for (auto it = routes.begin(); it != routes.end(); ++it)
        QVERIFY2(!at(it->toObject(), QStringLiteral("routed")).toBool()
                     && at(it->toObject(), QStringLiteral("error")).toString() == refused,
                 qPrintable(it.key() + QLatin1Char(' ') + run.describe()));
}

void TestHostileHost::abstractUnixSocket()
{
    const Hostile run
        = m_sandbox.attack(QStringLiteral("abstract_unix"), {{QStringLiteral("abstract_name"), m_abstract.name()}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QCOMPARE(m_abstract.connectionsSeen(), 0);
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY2(!run.result.value(QStringLiteral("connected")).toBool(), qPrintable(run.describe()));
    QCOMPARE(run.result.value(QStringLiteral("error")).toString(), QStringLiteral("ECONNREFUSED"));
}

void TestHostileHost::sysvIpc()
{
    QVERIFY(::shmget(m_shm.key(), 0, 0) == m_shm.id()); // the host finds its segment by key
    const Hostile run = m_sandbox.attack(QStringLiteral("sysv_shm"), {{QStringLiteral("key"), m_shm.key()}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    // Cold: the IPC namespace has no such key. Warm: the run's own filter refuses SysV IPC.
    QCOMPARE(run.result.value(QStringLiteral("shmget")).toString(), testsRunWarm() ? QStringLiteral("EPERM") : QStringLiteral("ENOENT"));
    QVERIFY(!run.result.value(QStringLiteral("key_listed")).toBool());
}

// ---------------------------------------------------------------- processes outside

void TestHostileHost::killParent()
{
    HostSleep sleeper(uniqueToken(QStringLiteral("pysandbox_kill_target_")));
    const Hostile run = m_sandbox.attack(QStringLiteral("kill_parent"),
                                         {{QStringLiteral("host_pid"), QCoreApplication::applicationPid()},
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

void TestHostileHost::signalHostProcess()
{
    const QString marker = uniqueToken(QStringLiteral("pysandbox_signal_target_"));
    HostSleep sleeper(marker);
    const qint64 pid = sleeper.pid();
    const Hostile run = m_sandbox.attack(QStringLiteral("signal_host"), {{QStringLiteral("pid"), pid}});
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

void TestHostileHost::daemonOutlivesRun()
{
    const QString marker = uniqueToken(QStringLiteral("pysandbox_daemon_"));
    const QString canary = m_places.inTmp(uniqueToken(QStringLiteral("daemon-canary-")));
    const Hostile run = m_sandbox.attack(QStringLiteral("daemon"),
                                         {{QStringLiteral("marker"), marker}, {QStringLiteral("canary"), canary}});
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

void TestHostileHost::procShowsOnlySandbox()
{
    const qint64 self = QCoreApplication::applicationPid();
    const Hostile run = m_sandbox.attack(QStringLiteral("proc_pids"), {{QStringLiteral("host_pid"), self}});
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    QVERIFY(!run.result.value(QStringLiteral("host_pid_visible")).toBool());
    QVERIFY(!run.result.value(QStringLiteral("pids")).toArray().contains(self));
    // bubblewrap's init (1) and the runner (warm: also the zygote): nothing else of the machine.
    QVERIFY2(run.result.value(QStringLiteral("count")).toInt() <= (testsRunWarm() ? 4 : 3), qPrintable(run.describe()));
    if (!testsRunWarm())
        QVERIFY(run.result.value(QStringLiteral("self")).toInt() <= 3);
}

// ---------------------------------------------------------------- leftovers and identity

void TestHostileHost::leakedFileDescriptors()
{
    // A host fd without O_CLOEXEC: only the engine's own closing keeps it from the child.
    const QString hostFile = m_places.inTmp(uniqueToken(QStringLiteral("host-fd-")));
    QFile create(hostFile);
    QVERIFY(create.open(QIODevice::WriteOnly));
    create.close();
    const int hostFd = ::open(QFile::encodeName(hostFile).constData(), O_RDONLY);
    QVERIFY(hostFd >= 0);
    const Hostile run = m_sandbox.attack(QStringLiteral("leaked_fds"));
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

void TestHostileHost::statePersistsBetweenRuns()
{
    const QString token = uniqueToken(QStringLiteral("state-"));
    const Hostile first = m_sandbox.attack(QStringLiteral("state_write"), {{QStringLiteral("token"), token}});
    QVERIFY2(first.problem.isEmpty(), qPrintable(first.problem));
    QVERIFY2(first.is("ok"), qPrintable(first.describe()));
    // The traces were really left: in /work and /tmp (warm: the run's own two directories).
    const QJsonObject written = at(first.result, QStringLiteral("written")).toObject();
    const QStringList places = testsRunWarm() ? written.keys() : QStringList{QStringLiteral("/work/state.txt"), QStringLiteral("/tmp/state.txt")};
    int left = 0;
    for (const QString &place : places)
        left += written.value(place).toBool() ? 1 : 0;
    QVERIFY2(left >= 2, qPrintable(first.describe()));
    const Hostile second = m_sandbox.attack(QStringLiteral("state_read"), {{QStringLiteral("token"), token}});
    QVERIFY2(second.problem.isEmpty(), qPrintable(second.problem));
    QVERIFY2(second.is("ok"), qPrintable(second.describe()));
    QVERIFY2(second.result.value(QStringLiteral("found")).toArray().isEmpty(), qPrintable(second.describe()));
    QCOMPARE(second.result.value(QStringLiteral("work_listing")).toArray(), QJsonArray{});
    QCOMPARE(second.result.value(QStringLiteral("tmp_listing")).toArray(), QJsonArray{});
}

void TestHostileHost::hostname()
{
    const Hostile run = m_sandbox.attack(QStringLiteral("hostname"));
    QVERIFY2(run.problem.isEmpty(), qPrintable(run.problem));
    QVERIFY2(run.is("ok"), qPrintable(run.describe()));
    for (const QString &source : {QStringLiteral("uname"), QStringLiteral("gethostname"), QStringLiteral("proc")})
        QCOMPARE(run.result.value(source).toString(), QStringLiteral("pysandbox"));
    QVERIFY(!run.result.value(QStringLiteral("etc_hostname_exists")).toBool());
}

QTEST_GUILESS_MAIN(TestHostileHost)
#include "tst_hostile_host.moc"
