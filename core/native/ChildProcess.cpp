#include "ChildProcess.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr qsizetype kReadChunk = 256 * 1024;
// Temporary fds in the child sit above every target fd, so the final dup2 calls never
// overwrite a source that is still needed.
constexpr int kTempFdBase = 64;

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::ChildProcess", text);
}

// What failed in the child between fork and exec, reported through a CLOEXEC pipe.
enum ChildStep : int { StepFds = 1, StepLimits, StepChdir, StepExec, StepSession };

struct ChildFailure
{
    int step;
    int error;
};

bool makePipe(int fds[2])
{
    return ::pipe2(fds, O_CLOEXEC) == 0;
}

void setNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int closeFrom(unsigned int first)
{
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, first, ~0U, 0) == 0)
        return 0;
#endif
    struct rlimit limit {};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t top = limit.rlim_cur == RLIM_INFINITY ? 65536 : limit.rlim_cur;
    for (rlim_t fd = first; fd < top; ++fd)
        ::close(static_cast<int>(fd));
    return 0;
}

[[noreturn]] void failInChild(int errorPipe, int step)
{
    const ChildFailure failure{step, errno};
    [[maybe_unused]] const auto written = ::write(errorPipe, &failure, sizeof failure);
    ::_exit(127);
}

// Runs in the child after fork: async-signal-safe calls only.
[[noreturn]] void execChild(const std::vector<std::pair<int, int>> &fdMap, int *temps, int errorPipe,
                            const std::vector<ResourceLimitSpec> &limits, const char *workdir,
                            bool subreaper, pid_t parent, const char *program, char *const argv[],
                            char *const envp[])
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        ::_exit(127);
    if (::setsid() < 0)
        failInChild(errorPipe, StepSession);
    if (subreaper)
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);

    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        ::sigaction(sig, &dfl, nullptr);

    for (std::size_t i = 0; i < fdMap.size(); ++i) {
        temps[i] = ::fcntl(fdMap[i].second, F_DUPFD_CLOEXEC, kTempFdBase);
        if (temps[i] < 0)
            failInChild(errorPipe, StepFds);
    }
    // Keep the error pipe (it closes itself on exec) above every target.
    const int keptError = ::fcntl(errorPipe, F_DUPFD_CLOEXEC, kTempFdBase);
    if (keptError < 0)
        failInChild(errorPipe, StepFds);
    errorPipe = keptError;
    for (int fd = 0; fd < kTempFdBase; ++fd) {
        bool isTarget = false;
        for (const auto &entry : fdMap)
            isTarget = isTarget || entry.first == fd;
        if (!isTarget)
            ::close(fd);
    }
    for (std::size_t i = 0; i < fdMap.size(); ++i)
        if (::dup2(temps[i], fdMap[i].first) < 0)
            failInChild(errorPipe, StepFds);
    // Everything above the targets except the error pipe goes: the temps, and whatever
    // the application had open (Qt's sockets, other runs' pipes, the user's files).
    for (int fd = kTempFdBase; fd < keptError; ++fd)
        ::close(fd);
    closeFrom(static_cast<unsigned>(keptError) + 1);

    for (const ResourceLimitSpec &limit : limits) {
        const struct rlimit value{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
        if (::setrlimit(limit.resource, &value) != 0)
            failInChild(errorPipe, StepLimits);
    }
    if (workdir && ::chdir(workdir) != 0)
        failInChild(errorPipe, StepChdir);
    ::execve(program, argv, envp);
    failInChild(errorPipe, StepExec);
}

QString describeFailure(const ChildFailure &failure, const QString &program)
{
    const QString reason = QString::fromLocal8Bit(std::strerror(failure.error));
    switch (failure.step) {
    case StepFds:
        return tr("could not set up the child's file descriptors: %1").arg(reason);
    case StepLimits:
        return tr("could not apply the resource limits: %1").arg(reason);
    case StepChdir:
        return tr("could not enter the scratch directory: %1").arg(reason);
    case StepSession:
        return tr("could not give the child its own session: %1").arg(reason);
    default:
        return tr("could not start \"%1\": %2").arg(program, reason);
    }
}

} // namespace

ChildProcess::ChildProcess(QObject *parent)
    : QObject(parent)
{
}

ChildProcess::~ChildProcess()
{
    if (isRunning()) {
        killGroup();
        if (m_zygotePid < 0)
            ::waitpid(m_pid, nullptr, 0); // immediate after SIGKILL; leaves no zombie behind
    }
    closePipe(m_status);
    closePipe(m_stdout);
    closePipe(m_stderr);
    closePipe(m_result);
    closePipe(m_request);
    if (m_pidFd >= 0)
        ::close(m_pidFd);
}

bool ChildProcess::start(const LaunchSpec &spec, QString *error)
{
    Q_ASSERT(m_pid < 0);
    for (const auto &[childFd, parentFd] : spec.extraFds) {
        if (childFd <= kResultFd || childFd >= kTempFdBase) {
            *error = tr("internal error: child fd %1 is reserved or too large").arg(childFd);
            return false;
        }
    }
    int out[2] = {-1, -1}, err[2] = {-1, -1}, req[2] = {-1, -1}, res[2] = {-1, -1}, failPipe[2] = {-1, -1};
    int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devNull < 0 || !makePipe(out) || !makePipe(err) || !makePipe(req) || !makePipe(res) || !makePipe(failPipe)) {
        *error = tr("could not create pipes: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        for (int fd : {devNull, out[0], out[1], err[0], err[1], req[0], req[1], res[0], res[1], failPipe[0], failPipe[1]})
            if (fd >= 0)
                ::close(fd);
        return false;
    }

    // Everything the child needs is prepared before fork: no allocation afterwards.
    const QByteArray program = spec.program.toLocal8Bit();
    const QByteArray workdir = spec.workingDirectory.toLocal8Bit();
    std::vector<QByteArray> argStore{program};
    for (const QString &arg : spec.arguments)
        argStore.push_back(arg.toLocal8Bit());
    std::vector<QByteArray> envStore;
    for (const QString &var : spec.environment)
        envStore.push_back(var.toLocal8Bit());
    std::vector<char *> argv, envp;
    for (QByteArray &arg : argStore)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (QByteArray &var : envStore)
        envp.push_back(var.data());
    envp.push_back(nullptr);
    std::vector<std::pair<int, int>> fdMap{{0, devNull}, {1, out[1]}, {2, err[1]}, {kRequestFd, req[0]}, {kResultFd, res[1]}};
    for (const auto &[childFd, parentFd] : spec.extraFds)
        fdMap.emplace_back(childFd, parentFd);
    const std::vector<ResourceLimitSpec> limits(spec.limits.cbegin(), spec.limits.cend());
    const pid_t parent = ::getpid();
    std::vector<int> temps(fdMap.size(), -1);

    const pid_t pid = ::fork();
    if (pid == 0)
        execChild(fdMap, temps.data(), failPipe[1], limits, workdir.isEmpty() ? nullptr : workdir.constData(), spec.childSubreaper,
                  parent, program.constData(), argv.data(), envp.data());

    const int forkErrno = errno;
    for (int fd : {devNull, out[1], err[1], req[0], res[1], failPipe[1]})
        ::close(fd);
    auto closeParentEnds = [&] {
        for (int fd : {out[0], err[0], req[1], res[0], failPipe[0]})
            ::close(fd);
    };
    if (pid < 0) {
        closeParentEnds();
        *error = tr("could not start a process: %1").arg(QString::fromLocal8Bit(std::strerror(forkErrno)));
        return false;
    }

    ChildFailure failure{};
    ssize_t got;
    do {
        got = ::read(failPipe[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    ::close(failPipe[0]);
    failPipe[0] = -1;
    if (got == static_cast<ssize_t>(sizeof failure)) {
        ::waitpid(pid, nullptr, 0);
        for (int fd : {out[0], err[0], req[1], res[0]})
            ::close(fd);
        *error = describeFailure(failure, spec.program);
        return false;
    }

    m_pid = pid;
    watchPipes(out[0], err[0], req[1], res[0]);

#ifdef SYS_pidfd_open
    m_pidFd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#endif
    if (m_pidFd >= 0) {
        ::fcntl(m_pidFd, F_SETFD, FD_CLOEXEC);
        m_pidNotifier = new QSocketNotifier(m_pidFd, QSocketNotifier::Read, this);
        connect(m_pidNotifier, &QSocketNotifier::activated, this, &ChildProcess::reap);
    } else {
        // Kernels before 5.3 have no pidfd: poll instead.
        m_reapPoll = new QTimer(this);
        m_reapPoll->setInterval(5);
        connect(m_reapPoll, &QTimer::timeout, this, &ChildProcess::reap);
        m_reapPoll->start();
    }
    return true;
}

void ChildProcess::watchPipes(int out, int err, int req, int res)
{
    auto watch = [this](Pipe &pipe, int fd, QSocketNotifier::Type type) {
        setNonBlocking(fd);
        pipe.fd = fd;
        pipe.notifier = new QSocketNotifier(fd, type, this);
    };
    watch(m_stdout, out, QSocketNotifier::Read);
    watch(m_stderr, err, QSocketNotifier::Read);
    watch(m_result, res, QSocketNotifier::Read);
    watch(m_request, req, QSocketNotifier::Write);
    m_request.notifier->setEnabled(false);
    connect(m_stdout.notifier, &QSocketNotifier::activated, this, [this] { readChannel(Channel::Stdout, false); });
    connect(m_stderr.notifier, &QSocketNotifier::activated, this, [this] { readChannel(Channel::Stderr, false); });
    connect(m_result.notifier, &QSocketNotifier::activated, this, [this] { readChannel(Channel::Result, false); });
    connect(m_request.notifier, &QSocketNotifier::activated, this, &ChildProcess::flushRequest);
}

void ChildProcess::writeRequest(const QByteArray &bytes)
{
    m_pendingRequest += bytes;
    flushRequest();
}

void ChildProcess::closeRequest()
{
    m_closeRequestWhenFlushed = true;
    flushRequest();
}

void ChildProcess::flushRequest()
{
    if (m_request.fd < 0)
        return;
    while (!m_pendingRequest.isEmpty()) {
        const ssize_t written = ::write(m_request.fd, m_pendingRequest.constData(), static_cast<size_t>(m_pendingRequest.size()));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                m_request.notifier->setEnabled(true);
                return;
            }
            m_pendingRequest.clear(); // EPIPE: the child is gone; its exit tells the story
            break;
        }
        m_pendingRequest.remove(0, written);
    }
    m_request.notifier->setEnabled(false);
    if (m_closeRequestWhenFlushed)
        closePipe(m_request);
}

ChildProcess::Pipe &ChildProcess::pipeFor(Channel channel)
{
    switch (channel) {
    case Channel::Stdout:
        return m_stdout;
    case Channel::Stderr:
        return m_stderr;
    case Channel::Result:
        break;
    }
    return m_result;
}

void ChildProcess::readChannel(Channel channel, bool drain)
{
    Pipe &pipe = pipeFor(channel);
    if (pipe.fd < 0)
        return;
    // A warm child says "started" before it can write anything else: take that first, so
    // that whoever reads this output already knows the child's pid.
    if (m_zygotePid > 0 && m_pid < 0)
        readStatus();
    QByteArray buffer(kReadChunk, Qt::Uninitialized);
    do {
        const ssize_t got = ::read(pipe.fd, buffer.data(), static_cast<size_t>(buffer.size()));
        if (got > 0) {
            Q_EMIT readyRead(channel, buffer.left(got));
            if (pipeFor(channel).fd < 0) // a slot stopped reading this channel
                return;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0 || (got < 0 && errno != EAGAIN))
            closePipe(pipe);
        return;
    } while (drain);
}

void ChildProcess::drainOutput()
{
    readChannel(Channel::Stdout, true);
    readChannel(Channel::Stderr, true);
}

void ChildProcess::stopReading(Channel channel)
{
    closePipe(pipeFor(channel));
}

void ChildProcess::sendSignal(int signal)
{
    if (isRunning() && m_pid > 1)
        ::kill(m_pid, signal);
}

void ChildProcess::killGroup()
{
    // Also after the leader is reaped: the group lives on while members remain, and its
    // id cannot be handed to a new process while it does.
    if (m_pid > 1) // never kill(-1): that is every process we may signal
        ::kill(-m_pid, SIGKILL);
    else if (m_zygotePid > 0)
        m_killWhenStarted = true; // the zygote has not said which process it forked yet
}

void ChildProcess::reap()
{
    if (m_exited || m_zygotePid > 0)
        return;
    int status = 0;
    struct rusage usage {};
    pid_t got;
    do {
        got = ::wait4(m_pid, &status, WNOHANG, &usage);
    } while (got < 0 && errno == EINTR);
    if (got == 0)
        return;
    m_exited = true;
    if (m_pidNotifier)
        m_pidNotifier->setEnabled(false);
    if (m_reapPoll)
        m_reapPoll->stop();

    ChildExit exit = ChildExit::fromWaitStatus(status);
    exit.userCpuUs = usage.ru_utime.tv_sec * 1'000'000LL + usage.ru_utime.tv_usec;
    exit.systemCpuUs = usage.ru_stime.tv_sec * 1'000'000LL + usage.ru_stime.tv_usec;
    exit.maxRssKb = usage.ru_maxrss;
    finishExit(exit);
}

ChildExit ChildExit::fromWaitStatus(int status)
{
    ChildExit exit;
    exit.signaled = WIFSIGNALED(status);
    exit.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    exit.signal = exit.signaled ? WTERMSIG(status) : 0;
    return exit;
}

void ChildProcess::finishExit(const ChildExit &exit)
{
    // Whatever the child wrote before it died is already in the pipes: take it now rather
    // than waiting for EOF, which a leftover grandchild holding the pipe could delay forever.
    readChannel(Channel::Result, true);
    readChannel(Channel::Stdout, true);
    readChannel(Channel::Stderr, true);
    Q_EMIT exited(exit);
}

void ChildProcess::closePipe(Pipe &pipe)
{
    if (pipe.notifier) {
        pipe.notifier->setEnabled(false);
        pipe.notifier->deleteLater();
        pipe.notifier = nullptr;
    }
    if (pipe.fd >= 0) {
        ::close(pipe.fd);
        pipe.fd = -1;
    }
}

} // namespace pysandbox
