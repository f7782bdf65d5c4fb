#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <sys/types.h>

class QSocketNotifier;
class QTimer;

namespace pysandbox {

struct ResourceLimitSpec
{
    int resource;  // RLIMIT_*
    quint64 soft;
    quint64 hard;
};

// Everything needed to start one child; built by the engine, applied between fork and exec.
struct LaunchSpec
{
    QString program;               // absolute path
    QStringList arguments;         // argv[1..]
    QStringList environment;       // the complete environment, "NAME=value"
    QString workingDirectory;
    QList<ResourceLimitSpec> limits;
    bool childSubreaper = true;    // orphans of the snippet stay under the child
    // Extra parent fds handed to the child at fixed numbers (first: child fd, second:
    // parent fd). Child fds 0–4 are taken: stdin (/dev/null), stdout, stderr, request, result.
    QList<QPair<int, int>> extraFds;
};

struct ChildExit
{
    bool signaled = false;
    int exitCode = 0;
    int signal = 0;
    qint64 userCpuUs = 0;
    qint64 systemCpuUs = 0;
    qint64 maxRssKb = 0;
    bool supervisorLost = false; // warm: the zygote died before it could report this exit

    static ChildExit fromWaitStatus(int status);
};

// One child process with exactly the fds it is meant to have: stdout, stderr, a request
// pipe (child fd 3) and a result pipe (child fd 4). Non-blocking; never waits on the child
// except for the instant between fork and exec. The child leads its own session, so the
// whole group can be killed at once; it dies with this process (PR_SET_PDEATHSIG).
class ChildProcess final : public QObject
{
    Q_OBJECT
public:
    enum class Channel { Stdout, Stderr, Result };
    Q_ENUM(Channel)

    static constexpr int kRequestFd = 3;
    static constexpr int kResultFd = 4;

    explicit ChildProcess(QObject *parent = nullptr);
    ~ChildProcess() override;
    Q_DISABLE_COPY_MOVE(ChildProcess)

    bool start(const LaunchSpec &spec, QString *error);
    // Instead of forking: hands the child's ends of the pipes and a status socket to a warm
    // zygote (ChildProcessWarm.cpp). The zygote's child reports its pid (the kernel vouches
    // for it) and the zygote its exit; `header` carries the run's limits.
    bool startInZygote(int controlFd, pid_t zygotePid, const QByteArray &header, QString *error);
    // -1 until a warm child has reported in.
    pid_t pid() const { return m_pid; }
    bool isRunning() const { return !m_exited && (m_pid > 0 || m_zygotePid > 0); }
    bool isWarm() const { return m_zygotePid > 0; }
    pid_t zygotePid() const { return m_zygotePid; }
    // What the warm child reported before any user code ran.
    int warmLandlockAbi() const { return m_warmLandlockAbi; }
    int warmSeccompFilters() const { return m_warmSeccompFilters; }
    qint64 warmStartRssKb() const { return m_warmStartRssKb; } // the preload it shares, mostly
    const QString &warmRunName() const { return m_warmRunName; }
    const QString &warmSetupError() const { return m_setupError; }

    // Queues bytes for the request pipe; written as the child reads them.
    void writeRequest(const QByteArray &bytes);
    // Closes the request pipe once everything queued is written.
    void closeRequest();
    // Delivers what stdout and stderr hold right now.
    void drainOutput();
    // A warm child: reads the status reports already sent (its "started" comes before any user
    // code, on another socket than the result, so it can still be unread when the result is in).
    void readPendingStatus() { readStatus(); }
    // Stops delivering a channel (its bytes stay in the pipe and are never read).
    void stopReading(Channel channel);
    void sendSignal(int signal);
    // SIGKILL to the child's process group (the child is its leader).
    void killGroup();

Q_SIGNALS:
    void readyRead(pysandbox::ChildProcess::Channel channel, const QByteArray &chunk);
    void exited(const pysandbox::ChildExit &exit);

private:
    struct Pipe
    {
        int fd = -1;
        QSocketNotifier *notifier = nullptr;
    };

    void watchPipes(int out, int err, int req, int res);
    void readStatus();
    void finishExit(const ChildExit &exit);
    void readChannel(Channel channel, bool drain);
    void flushRequest();
    void reap();
    void closePipe(Pipe &pipe);
    Pipe &pipeFor(Channel channel);

    pid_t m_pid = -1;
    bool m_exited = false;
    Pipe m_stdout;
    Pipe m_stderr;
    Pipe m_result;
    Pipe m_request;
    QByteArray m_pendingRequest;
    bool m_closeRequestWhenFlushed = false;
    int m_pidFd = -1;
    QSocketNotifier *m_pidNotifier = nullptr;
    QTimer *m_reapPoll = nullptr;
    // Warm children only.
    pid_t m_zygotePid = -1;
    Pipe m_status;
    bool m_killWhenStarted = false;
    int m_warmLandlockAbi = 0;
    int m_warmSeccompFilters = 0;
    qint64 m_warmStartRssKb = 0;
    QString m_warmRunName;
    QString m_setupError;
};

} // namespace pysandbox

Q_DECLARE_METATYPE(pysandbox::ChildExit)
