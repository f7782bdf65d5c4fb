#pragma once
// What the hostile suites (tests/native/tst_hostile_*.cpp) share. Every snippet of the
// adversarial corpus (issue #3, tests/hostile/*.py) runs through the real sandboxed native
// engine, and each case checks what the snippet saw (its `result`) *and* what the host can
// check for itself: canaries absent, listeners untouched, its processes alive, no leftovers,
// its fds unchanged.
//
// The snippets are bounded so that even unsandboxed they stop within seconds and harm
// nothing: canaries only at the unique paths passed in `inputs`, network only to our
// 127.0.0.1 listener (UDP connect() route checks send no packet), signals only to our own
// `sleep` (kill_parent.py refuses when it can see the test), every loop capped.
#include "TestSupport.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QLocalServer>
#include <QStringList>
#include <QTcpServer>
#include <QTemporaryDir>

#include <map>
#include <memory>

#include <sys/types.h>

namespace pysandbox::test {

// The corpus: PYSANDBOX_HOSTILE_DIR_OVERRIDE when set (the unprivileged runs copy it), else
// tests/hostile in the source tree.
QString hostileDir();
QString hostileSnippetPath(const QString &snippet);

// The host's first IPv4 nameserver (a documentation address when there is none).
QString firstNameserver();
// Bytes free to an ordinary user on the file system holding `path`; -1 when unknown.
qint64 freeBytes(const QString &path);

// What the snippet reported, looked up by a dotted path ("tcp_loopback.connected").
QJsonValue at(const QJsonObject &object, const QString &path);
QString compact(const QJsonValue &value);

// A harmless host process sleeping 30 s: with a marker (Python, the marker in its command
// line) a target for signals and a holder of our environment; without, a plain `sleep`.
// Spawned without pipes, so that its death changes none of our fds.
class HostSleep
{
public:
    explicit HostSleep(const QString &marker = {});
    ~HostSleep() { stop(); }
    Q_DISABLE_COPY_MOVE(HostSleep)

    qint64 pid() const { return m_pid; }
    bool running();
    // Polls for up to `ms` for the process to end; true when it did.
    bool ended(int ms);
    void stop();

private:
    pid_t m_pid = -1;
};

// One run of one hostile snippet, with what the helper itself found wrong (empty: fine).
struct Hostile
{
    RunCapture run;
    QJsonObject result;
    QString problem;
    bool is(const char *status) const;
    QString describe() const;
};

// The real sandboxed engine, one per set of removed layers (kept for the whole test case).
class HostileSandbox
{
public:
    NativeEngine &engine(const QStringList &removedLayers = {});
    // Why the corpus cannot run here (its snippets are unreadable, or a first run is not ok
    // and fully sandboxed), or empty. That first run also lets the engine set up what it
    // caches (threads, the probe), so that fd counts around later runs compare like with like.
    QString warmUp();
    // Runs tests/hostile/<snippet>.py; `problem` is set when it did not finish, the engine
    // failed, or the host's open fds changed across the run.
    Hostile attack(const QString &snippet, const QJsonObject &inputs = {}, const ExecutionOptions &options = {},
                   const QStringList &removedLayers = {});

private:
    std::map<QString, std::unique_ptr<NativeEngine>> m_engines;
};

// Places on the host the snippets must not reach: a fresh directory in the home, with a fake
// private key in it (.ssh/id_ed25519, readable by us, the user the sandbox maps to), and a
// fresh directory in the host's temporary directory.
class HostPlaces
{
public:
    HostPlaces();
    bool create();
    QString inHome(const QString &name) const { return m_homeDir.filePath(name); }
    QString inTmp(const QString &name) const { return m_tmpDir.filePath(name); }
    QString keyFile() const { return m_keyFile; }
    QString key() const { return m_key; }

private:
    QTemporaryDir m_homeDir;
    QTemporaryDir m_tmpDir;
    QString m_keyFile;
    QString m_key;
};

// A listener on the host's 127.0.0.1 that counts (and drops) the connections it accepts.
class HostTcpListener
{
public:
    // Listens on a free port, and proves with a probe that loopback connections arrive.
    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    // Waits a moment (the event loop delivers a connection the kernel completed), then counts.
    int connectionsSeen();
    int connections() const { return m_connections; }
    void resetConnections() { m_connections = 0; }

private:
    QTcpServer m_server;
    int m_connections = 0;
};

// The same on an abstract unix socket, the kind X11 and D-Bus listen on.
class HostAbstractListener
{
public:
    bool listen();
    QString name() const { return m_name; }
    int connectionsSeen();
    int connections() const { return m_connections; }
    void resetConnections() { m_connections = 0; }

private:
    QLocalServer m_server;
    QString m_name;
    int m_connections = 0;
};

// A SysV shared-memory segment with a random key the snippets are told; removed on destruction.
class HostSharedMemory
{
public:
    HostSharedMemory() = default;
    ~HostSharedMemory();
    Q_DISABLE_COPY_MOVE(HostSharedMemory)
    bool create();
    int key() const { return m_key; }
    int id() const { return m_id; }

private:
    int m_key = 0;
    int m_id = -1;
};

// Creates the host targets the suites attack; returns what failed, or empty.
QString createHostTargets(HostPlaces &places, HostTcpListener &listener, HostAbstractListener &abstract,
                          HostSharedMemory &shm);

} // namespace pysandbox::test
