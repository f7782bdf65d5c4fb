#include "WarmPool.h"

#include "CredentialSocket.h"
#include "NativeLaunch.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr int kStartTimeoutMs = 60'000; // importing pandas and matplotlib on a busy machine
constexpr int kRestartWindowMs = 60'000;
constexpr qsizetype kMaxLogBytes = 64 * 1024;
// The sandbox as a whole; each run lowers its own limits below these.
constexpr int kPoolProcessCap = 1024;

QString zygoteSource()
{
    QFile file(QStringLiteral(":/pysandbox/runner/pysandbox_zygote.py"));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QString lastLines(const QByteArray &log)
{
    const QList<QByteArray> lines = log.trimmed().split('\n');
    return QString::fromUtf8(lines.mid(std::max<qsizetype>(0, lines.size() - 3)).join(" | "));
}

} // namespace

bool WarmPoolSettings::sameAs(const WarmPoolSettings &other) const
{
    return python.executable == other.python.executable && python.version == other.python.version
        && bubblewrap == other.bubblewrap && preload == other.preload && extraReadOnlyPaths == other.extraReadOnlyPaths
        && removedLayers == other.removedLayers;
}

WarmPool::WarmPool(WarmPoolSettings settings, QString runnerSource, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_runnerSource(std::move(runnerSource))
{
}

WarmPool::~WarmPool()
{
    stopSandbox();
}

QStringList WarmPool::preloaded() const
{
    QStringList names;
    for (const QJsonValue &name : m_ready.value(QStringLiteral("preloaded")).toArray())
        names.append(name.toString());
    return names;
}

void WarmPool::setState(State state, const QString &problem)
{
    m_problem = problem;
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void WarmPool::start()
{
    stopSandbox();
    m_state = State::Starting;
    m_clock.start();
    m_log.clear();
    const QString source = zygoteSource();
    if (source.isEmpty() || m_runnerSource.isEmpty())
        return setState(State::Failed, tr("the warm interpreter's source is missing from this build"));

    int pair[2] = {-1, -1};
    const int on = 1;
    QString error;
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0
        || ::setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
        const QString reason = QString::fromLocal8Bit(std::strerror(errno));
        for (int fd : pair)
            if (fd >= 0)
                ::close(fd);
        return setState(State::Failed, tr("could not create the warm interpreter's control socket: %1").arg(reason));
    }
    const int seccompFd = seccompProgramFd(&error);
    if (seccompFd < 0) {
        ::close(pair[0]);
        ::close(pair[1]);
        return setState(State::Failed, error);
    }
    ExecutionOptions options;
    options.cpuSeconds = 0;
    options.memoryMb = 0;
    options.maxFileSizeBytes = 0;
    options.maxProcesses = kPoolProcessCap;
    const NativeLaunchInputs inputs{options, m_settings.python, m_runnerSource, m_settings.extraReadOnlyPaths,
                                    m_settings.removedLayers};
    const LaunchSpec spec = zygoteLaunch(inputs, m_settings.bubblewrap, seccompFd, pair[1], source, m_settings.preload);

    m_sandbox = new ChildProcess(this);
    connect(m_sandbox, &ChildProcess::readyRead, this, [this](ChildProcess::Channel, const QByteArray &chunk) {
        if (m_log.size() < kMaxLogBytes)
            m_log += chunk.left(kMaxLogBytes - m_log.size());
    });
    connect(m_sandbox, &ChildProcess::exited, this, &WarmPool::onSandboxExit);
    const bool started = m_sandbox->start(spec, &error);
    ::close(seccompFd);
    ::close(pair[1]);
    if (!started) {
        ::close(pair[0]);
        delete m_sandbox;
        m_sandbox = nullptr;
        return setState(State::Failed, error);
    }
    m_controlFd = pair[0];
    ::fcntl(m_controlFd, F_SETFL, ::fcntl(m_controlFd, F_GETFL) | O_NONBLOCK);
    m_controlNotifier = new QSocketNotifier(m_controlFd, QSocketNotifier::Read, this);
    connect(m_controlNotifier, &QSocketNotifier::activated, this, &WarmPool::readControl);
    m_startTimeout = new QTimer(this);
    m_startTimeout->setSingleShot(true);
    connect(m_startTimeout, &QTimer::timeout, this, [this] {
        stopSandbox();
        setState(State::Failed, tr("the warm interpreter was not ready after %1 s").arg(kStartTimeoutMs / 1000));
    });
    m_startTimeout->start(kStartTimeoutMs);
    Q_EMIT stateChanged(State::Starting);
}

void WarmPool::readControl()
{
    char buffer[64 * 1024];
    pid_t sender = -1;
    const ssize_t got = receiveWithSender(m_controlFd, buffer, sizeof buffer, &sender);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        m_controlNotifier->setEnabled(false); // the sandbox's exit follows and tells why
        return;
    }
    const QJsonObject report = QJsonDocument::fromJson(QByteArray(buffer, got)).object();
    if (report.value(QStringLiteral("type")).toString() != QLatin1String("ready") || sender <= 0 || m_state != State::Starting)
        return; // the zygote says nothing else here, and runs cannot reach this socket
    m_zygotePid = sender;
    m_ready = report;
    m_zygoteLayers = verifySandboxLayers(sender);
    m_startupMs = m_clock.elapsed();
    if (m_startTimeout)
        m_startTimeout->stop();
    setState(State::Ready);
}

bool WarmPool::launch(ChildProcess *child, const QByteArray &header, QString *error)
{
    if (m_state != State::Ready || m_retired) {
        *error = tr("the warm interpreter is not ready");
        return false;
    }
    if (!child->startInZygote(m_controlFd, m_zygotePid, header, error))
        return false;
    ++m_activeRuns;
    auto ended = std::make_shared<bool>(false);
    auto end = [this, ended] {
        if (std::exchange(*ended, true))
            return;
        --m_activeRuns;
        if (m_retired && m_activeRuns == 0)
            deleteLater();
    };
    connect(child, &ChildProcess::exited, this, end);
    connect(child, &QObject::destroyed, this, end);
    return true;
}

void WarmPool::runFinished(const QString &runName)
{
    if (m_controlFd < 0 || runName.isEmpty())
        return;
    const QByteArray message = QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("finished")},
                                                         {QStringLiteral("run"), runName}})
                                   .toJson(QJsonDocument::Compact);
    // A few bytes on a socket the zygote keeps reading: it does not block in practice, and a
    // failure means the zygote is gone, which its exit handling reports.
    [[maybe_unused]] const auto sent = ::send(m_controlFd, message.constData(), static_cast<size_t>(message.size()),
                                              MSG_NOSIGNAL | MSG_DONTWAIT);
}

void WarmPool::retire()
{
    m_retired = true;
    if (m_activeRuns == 0)
        deleteLater();
}

void WarmPool::onSandboxExit(const ChildExit &exit)
{
    const bool wasReady = m_state == State::Ready;
    const QString log = lastLines(m_log);
    stopSandbox();
    const QString why = exit.signaled ? tr("killed by signal %1").arg(exit.signal) : tr("exit code %1").arg(exit.exitCode);
    if (!wasReady) {
        setState(State::Failed, tr("the warm interpreter could not start (%1)%2")
                                    .arg(why, log.isEmpty() ? QString() : QStringLiteral(": ") + log));
        return;
    }
    // A zygote that keeps dying is not restarted forever: runs then start cold.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_restartTimes.removeIf([now](qint64 when) { return now - when > kRestartWindowMs; });
    if (m_restartTimes.size() >= kMaxRestartsPerMinute) {
        setState(State::Failed, tr("the warm interpreter stopped %1 times within a minute (last: %2)")
                                    .arg(m_restartTimes.size() + 1).arg(why));
        return;
    }
    m_restartTimes.append(now);
    ++m_restarts;
    start();
}

void WarmPool::stopSandbox()
{
    if (m_startTimeout) {
        m_startTimeout->stop();
        m_startTimeout->deleteLater();
        m_startTimeout = nullptr;
    }
    if (m_controlNotifier) {
        m_controlNotifier->setEnabled(false);
        m_controlNotifier->deleteLater();
        m_controlNotifier = nullptr;
    }
    if (m_controlFd >= 0) {
        ::close(m_controlFd); // the zygote sees EOF and ends its children
        m_controlFd = -1;
    }
    m_zygotePid = -1;
    if (m_sandbox) {
        m_sandbox->disconnect(this);
        if (m_sandbox->isRunning())
            delete m_sandbox; // SIGKILL to bubblewrap; the PID namespace goes with it
        else
            m_sandbox->deleteLater(); // we are inside its exited() signal
        m_sandbox = nullptr;
    }
}

} // namespace pysandbox
