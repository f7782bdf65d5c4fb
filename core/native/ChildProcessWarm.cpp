// ChildProcess started by a warm zygote instead of fork/exec (docs/design/warm-pool.md).
#include "ChildProcess.h"

#include "CredentialSocket.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr int kStatusMessageBytes = 4096;

pid_t parentOf(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 1 ? fields.at(1).toInt() : -1;
}

void closeAll(std::initializer_list<int> fds)
{
    for (int fd : fds)
        if (fd >= 0)
            ::close(fd);
}

} // namespace

bool ChildProcess::startInZygote(int controlFd, pid_t zygotePid, const QByteArray &header, QString *error)
{
    Q_ASSERT(m_pid < 0 && m_zygotePid < 0);
    int out[2] = {-1, -1}, err[2] = {-1, -1}, req[2] = {-1, -1}, res[2] = {-1, -1}, status[2] = {-1, -1};
    const bool made = ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0 && ::pipe2(req, O_CLOEXEC) == 0
        && ::pipe2(res, O_CLOEXEC) == 0 && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, status) == 0;
    // Set before the zygote's child can send: the kernel then attaches the sender's pid
    // (translated into our PID namespace) to every message.
    const int on = 1;
    if (!made || ::setsockopt(status[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
        *error = tr("could not create pipes: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        closeAll({out[0], out[1], err[0], err[1], req[0], req[1], res[0], res[1], status[0], status[1]});
        return false;
    }

    const int handed[] = {out[1], err[1], req[0], res[1], status[1]};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof handed)] = {};
    iovec part{const_cast<char *>(header.constData()), static_cast<size_t>(header.size())};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr *rights = CMSG_FIRSTHDR(&message);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(sizeof handed);
    std::memcpy(CMSG_DATA(rights), handed, sizeof handed);
    ssize_t sent;
    do {
        sent = ::sendmsg(controlFd, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    const int sendErrno = errno;
    closeAll({out[1], err[1], req[0], res[1], status[1]}); // the zygote has its copies now
    if (sent != header.size()) {
        closeAll({out[0], err[0], req[1], res[0], status[0]});
        *error = tr("the warm interpreter did not take the run: %1").arg(QString::fromLocal8Bit(std::strerror(sendErrno)));
        return false;
    }

    m_zygotePid = zygotePid;
    watchPipes(out[0], err[0], req[1], res[0]);
    ::fcntl(status[0], F_SETFL, ::fcntl(status[0], F_GETFL) | O_NONBLOCK);
    m_status.fd = status[0];
    m_status.notifier = new QSocketNotifier(status[0], QSocketNotifier::Read, this);
    connect(m_status.notifier, &QSocketNotifier::activated, this, &ChildProcess::readStatus);
    return true;
}

void ChildProcess::readStatus()
{
    while (m_status.fd >= 0 && !m_exited) {
        char buffer[kStatusMessageBytes];
        pid_t sender = -1;
        const ssize_t got = receiveWithSender(m_status.fd, buffer, sizeof buffer, &sender);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            return;
        if (got <= 0) {
            // The zygote died (its children die with it): nothing will report this exit.
            closePipe(m_status);
            ChildExit lost;
            lost.signaled = true;
            lost.signal = SIGKILL;
            lost.supervisorLost = true;
            m_exited = true;
            finishExit(lost);
            return;
        }
        const QJsonObject report = QJsonDocument::fromJson(QByteArray(buffer, got)).object();
        const QString type = report.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("started") && m_pid < 0 && sender > 0 && parentOf(sender) == m_zygotePid) {
            m_pid = sender;
            m_warmLandlockAbi = report.value(QStringLiteral("landlock")).toInt();
            m_warmSeccompFilters = report.value(QStringLiteral("seccomp_filters")).toInt();
            m_warmStartRssKb = report.value(QStringLiteral("rss_kb")).toInteger();
            m_warmRunName = report.value(QStringLiteral("run")).toString();
            if (m_killWhenStarted)
                killGroup();
        } else if (type == QLatin1String("setup_failed") && sender > 0 && parentOf(sender) == m_zygotePid) {
            m_setupError = report.value(QStringLiteral("error")).toString();
        } else if (type == QLatin1String("exit") && sender == m_zygotePid) {
            // Only the zygote reports exits (the child closed its end before any user code).
            ChildExit exit = ChildExit::fromWaitStatus(report.value(QStringLiteral("status")).toInt());
            exit.userCpuUs = report.value(QStringLiteral("user_us")).toInteger();
            exit.systemCpuUs = report.value(QStringLiteral("system_us")).toInteger();
            exit.maxRssKb = report.value(QStringLiteral("max_rss_kb")).toInteger();
            closePipe(m_status);
            m_exited = true;
            finishExit(exit);
            return;
        }
    }
}

} // namespace pysandbox
