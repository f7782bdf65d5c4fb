#include "HostileSupport.h"

#include <QFileInfo>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTest>

#include <csignal>
#include <cstdlib>

#include <spawn.h>
#include <sys/shm.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pysandbox::test {

QString hostileDir()
{
    const QString override = qEnvironmentVariable("PYSANDBOX_HOSTILE_DIR_OVERRIDE");
    return override.isEmpty() ? QStringLiteral(PYSANDBOX_HOSTILE_DIR) : override;
}

QString hostileSnippetPath(const QString &snippet)
{
    return hostileDir() + QLatin1Char('/') + snippet + QStringLiteral(".py");
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

// ---------------------------------------------------------------- HostSleep

HostSleep::HostSleep(const QString &marker)
{
    const QByteArray python = QFile::encodeName(testPython());
    const QByteArray mark = marker.toUtf8();
    const char *marked[] = {python.constData(), "-c", "import time; time.sleep(30)", mark.constData(), nullptr};
    const char *plain[] = {"/bin/sleep", "30", nullptr};
    const char *const *argv = marker.isEmpty() ? plain : marked;
    if (::posix_spawn(&m_pid, argv[0], nullptr, nullptr, const_cast<char *const *>(argv), environ) != 0)
        m_pid = -1;
}

bool HostSleep::running()
{
    if (m_pid > 0 && ::waitpid(m_pid, nullptr, WNOHANG) == m_pid)
        m_pid = -m_pid; // reaped: it is gone
    return m_pid > 0;
}

bool HostSleep::ended(int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (running() && clock.elapsed() < ms)
        QTest::qWait(20);
    return !running();
}

void HostSleep::stop()
{
    if (running()) {
        ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        ::waitpid(static_cast<pid_t>(m_pid), nullptr, 0);
    }
    m_pid = -std::abs(m_pid);
}

// ---------------------------------------------------------------- Hostile, HostileSandbox

bool Hostile::is(const char *status) const
{
    return statusName(run.envelope.status) == QLatin1String(status);
}

QString Hostile::describe() const
{
    const ResultEnvelope &envelope = run.envelope;
    return QStringLiteral("status %1 (%2), result %3, error %4, stderr %5")
        .arg(statusName(envelope.status), envelope.statusDetail, compact(envelope.result),
             envelope.error ? envelope.error->traceback.right(600) : QString(),
             QString::fromUtf8(envelope.stderrStream.bytes.left(400)));
}

NativeEngine &HostileSandbox::engine(const QStringList &removedLayers)
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

QString HostileSandbox::warmUp()
{
    if (!QFileInfo(hostileSnippetPath(QStringLiteral("network"))).isReadable())
        return QStringLiteral("the hostile snippets are not readable in %1").arg(hostileDir());
    const RunCapture run = runCode(engine({}), QStringLiteral("result = 1"));
    if (statusName(run.envelope.status) != QLatin1String("ok"))
        return QStringLiteral("the first run ended %1: %2").arg(statusName(run.envelope.status), run.envelope.statusDetail);
    if (run.envelope.engine.securityLevel != expectedSecurityLevel())
        return QStringLiteral("the first run was not fully sandboxed: %1").arg(run.envelope.engine.securityLevel);
    if (testsRunWarm() && run.envelope.engine.startPath != QLatin1String("warm"))
        return QStringLiteral("the first run did not start warm: %1").arg(run.envelope.engine.notes.join(QLatin1Char(' ')));
    return {};
}

QString createHostTargets(HostPlaces &places, HostTcpListener &listener, HostAbstractListener &abstract,
                          HostSharedMemory &shm)
{
    if (!places.create())
        return QStringLiteral("could not create the canary directories and the fake private key");
    if (!listener.listen())
        return QStringLiteral("no 127.0.0.1 listener that accepts connections");
    if (!abstract.listen())
        return QStringLiteral("no abstract unix socket that accepts connections");
    if (!shm.create())
        return QStringLiteral("could not create a SysV shared-memory segment");
    return {};
}

Hostile HostileSandbox::attack(const QString &snippet, const QJsonObject &inputs, const ExecutionOptions &options,
                               const QStringList &removedLayers)
{
    Hostile hostile;
    QFile file(hostileSnippetPath(snippet));
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

// ---------------------------------------------------------------- host places and listeners

HostPlaces::HostPlaces()
    : m_homeDir(QDir::homePath() + QStringLiteral("/.pysandbox-hostile-XXXXXX"))
    , m_tmpDir(QDir::tempPath() + QStringLiteral("/pysandbox-hostile-XXXXXX"))
{
}

bool HostPlaces::create()
{
    if (!m_homeDir.isValid() || !m_tmpDir.isValid() || !QDir(m_homeDir.path()).mkpath(QStringLiteral(".ssh")))
        return false;
    m_key = uniqueToken(QStringLiteral("PRIVATE-KEY-"));
    m_keyFile = m_homeDir.filePath(QStringLiteral(".ssh/id_ed25519"));
    QFile key(m_keyFile);
    if (!key.open(QIODevice::WriteOnly) || key.write(m_key.toUtf8()) <= 0)
        return false;
    key.close();
    key.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

bool HostTcpListener::listen()
{
    if (!m_server.listen(QHostAddress::LocalHost, 0))
        return false;
    QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            socket->abort();
            socket->deleteLater();
        }
    });
    QTcpSocket probe; // the listener really accepts loopback connections
    probe.connectToHost(QHostAddress::LocalHost, m_server.serverPort());
    const bool accepted = probe.waitForConnected(2000) && QTest::qWaitFor([this] { return m_connections == 1; });
    probe.abort();
    m_connections = 0;
    return accepted;
}

int HostTcpListener::connectionsSeen()
{
    QTest::qWait(100); // a connection the kernel completed is delivered by the event loop
    return m_connections;
}

bool HostAbstractListener::listen()
{
    m_name = uniqueToken(QStringLiteral("pysandbox-hostile-"));
    m_server.setSocketOptions(QLocalServer::AbstractNamespaceOption);
    if (!m_server.listen(m_name))
        return false;
    QObject::connect(&m_server, &QLocalServer::newConnection, &m_server, [this] {
        while (QLocalSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            socket->abort();
            socket->deleteLater();
        }
    });
    QLocalSocket probe;
    probe.setSocketOptions(QLocalSocket::AbstractNamespaceOption);
    probe.connectToServer(m_name);
    const bool accepted = probe.waitForConnected(2000) && QTest::qWaitFor([this] { return m_connections == 1; });
    probe.abort();
    m_connections = 0;
    return accepted;
}

int HostAbstractListener::connectionsSeen()
{
    QTest::qWait(100);
    return m_connections;
}

// ---------------------------------------------------------------- SysV shared memory

HostSharedMemory::~HostSharedMemory()
{
    if (m_id >= 0)
        ::shmctl(m_id, IPC_RMID, nullptr);
}

bool HostSharedMemory::create()
{
    for (int i = 0; i < 20 && m_id < 0; ++i) {
        m_key = static_cast<int>(QRandomGenerator::global()->bounded(0x10000000, 0x7fffffff));
        m_id = ::shmget(m_key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    }
    return m_id >= 0;
}

} // namespace pysandbox::test
