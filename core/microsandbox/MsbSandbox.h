#pragma once

#include "MsbClient.h"

#include <QElapsedTimer>
#include <QList>
#include <QLockFile>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

// One named sandbox on the server, kept ready for runs (microsandbox-0.2-protocol.md §2.4, §5, §7).
//
// Runs take turns: the sandbox's REPL serves one call at a time anyway, and a call that waited
// in the server's queue would spend its own timeout there. The turn is also taken across
// processes (the GUI, the CLI and a second window share the VM by name) with a lock file on this
// machine; whoever stops or restarts the VM bumps an epoch file next to it, so the others look
// again before their next run. Before the first run the sandbox is looked up with
// sandbox.metrics.get (a running one is used as it is: starting it again would move its portal
// port, §2.4), started if needed, and its portal probed with retries, because RUNNING only means
// the VM process exists. After a run that leaves the REPL untrustworthy, the sandbox is stopped,
// seen gone, and started again before the next run.
namespace pysandbox::msb {

struct SandboxTarget
{
    QString ns = QStringLiteral("default");
    QString name;
    SandboxConfig config;
    int portalProbeMs = 30'000;  // how long a freshly started portal may take to answer
    int stopWaitMs = 15'000;     // how long a stopped VM may take to go (stop does not wait, §2.4)
};

class MsbSandbox : public QObject
{
    Q_OBJECT
public:
    using ReadyCallback = std::function<void(const QString &error)>;

    MsbSandbox(MsbClient *client, SandboxTarget target, QObject *parent = nullptr);
    ~MsbSandbox() override;

    const SandboxTarget &target() const { return m_target; }
    // Calls `ready` once this caller's turn has come and the sandbox answers (error empty), or
    // with the reason it cannot. A caller that got its turn must call release() afterwards.
    // Dropped when `context` is destroyed or withdraws first.
    void acquire(QObject *context, ReadyCallback ready);
    void withdraw(QObject *context);
    void release();
    // The REPL may hold a previous run's leftovers (its call timed out, something else wrote to
    // it): stop and start the sandbox before the next run.
    void invalidate(const QString &why);
    // Stops the VM now (cancel, quit, `pysandbox-cli stop-sandbox`). The next turn starts it again.
    MsbCall *stop();
    // For a sandbox of one run only: stops the VM (after a start still under way has answered)
    // and then deletes this object.
    void retire();
    // Whether no other process on this machine holds the sandbox's turn right now.
    bool tryLockForQuit();

    // True if the current turn began with booting the VM rather than finding it warm.
    bool bootedForLastRun() const { return m_bootedForLastRun; }
    qint64 lastBootMs() const { return m_lastBootMs; }
    QStringList takeNotes();

private:
    enum class State { Unknown, Checking, Stopping, WaitingGone, Starting, Probing, Ready };
    struct Waiter
    {
        QPointer<QObject> context;
        ReadyCallback ready;
    };

    void pump();
    bool takeMachineLock();
    void unlockMachine();
    void stopAndDelete(); // retire(): the VM goes, then this object
    void prepare();
    void check();
    void stopThenStart();
    void waitUntilGone();
    void startVm();
    void probe(bool foundRunning);
    void failAll(const QString &error);
    void becomeReady();
    // Connects `call` to `handler`, which is dropped when a later stop() or retire() has made
    // the step it belongs to moot.
    void onAnswer(MsbCall *call, std::function<void(const RpcResponse &)> handler);
    void later(int ms, std::function<void()> step);
    QString readEpoch() const;
    void bumpEpoch();

    MsbClient *m_client;
    SandboxTarget m_target;
    State m_state = State::Unknown;
    quint64 m_generation = 0;
    QList<Waiter> m_waiters;
    bool m_busy = false;
    bool m_mustRestart = false;
    bool m_awaitGone = false;      // we stopped it: wait until metrics no longer shows it running
    bool m_resentStop = false;
    bool m_restartedOnce = false;
    bool m_bootedForLastRun = false;
    bool m_startSent = false;      // a sandbox.start went out (retire() must stop the VM)
    bool m_retiring = false;
    qint64 m_lastBootMs = 0;
    QElapsedTimer m_phaseClock;
    int m_probeAttempts = 0;
    QStringList m_notes;
    std::unique_ptr<QLockFile> m_lock;
    bool m_locked = false;
    bool m_noLockFile = false;      // none can be made here: turns are kept in this process only
    bool m_lockRetryPending = false;
    bool m_lockContended = false;  // another process had the turn since ours
    QString m_epochPath;
    QString m_seenEpoch;
};

// The sandbox's console log on the server's machine (§1), for messages about a VM that failed.
QString sandboxLogPath(const QString &ns, const QString &name);

} // namespace pysandbox::msb
