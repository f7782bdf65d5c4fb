#pragma once

#include "MsbClient.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>

// One named sandbox on the server, kept ready for runs (microsandbox-0.2-protocol.md §2.4, §5, §7).
//
// Runs take turns: the sandbox's REPL serves one call at a time anyway, and a call that waited
// in the server's queue would spend its own timeout there. Before the first run the sandbox is
// looked up with sandbox.metrics.get (a running one, maybe started by another PySandbox
// process, is used as it is: starting it again would move its portal port, §2.4), started if
// needed, and its portal probed with retries, because RUNNING only means the VM process exists.
// After a run that leaves the REPL untrustworthy, the sandbox is stopped, seen gone, and
// started again before the next run.
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

    const SandboxTarget &target() const { return m_target; }
    // Calls `ready` once this caller's turn has come and the sandbox answers (error empty), or
    // with the reason it cannot. A caller that got its turn must call release() afterwards.
    // Dropped silently when `context` is destroyed first.
    void acquire(QObject *context, ReadyCallback ready);
    void release();
    // The REPL may hold a previous run's leftovers (its call timed out, something else wrote to
    // it): stop and start the sandbox before the next run.
    void invalidate(const QString &why);
    // Stops the VM now (cancel, quit, `pysandbox-cli stop`). The next acquire() starts it again.
    MsbCall *stop();

    // True if the last acquire() booted the VM rather than finding it warm.
    bool bootedForLastRun() const { return m_bootedForLastRun; }
    qint64 lastBootMs() const { return m_lastBootMs; }
    bool isReady() const { return m_state == State::Ready; }
    QStringList takeNotes();

private:
    enum class State { Unknown, Checking, Stopping, WaitingGone, Starting, Probing, Ready };
    struct Waiter
    {
        QPointer<QObject> context;
        ReadyCallback ready;
    };

    void pump();
    void prepare();
    void check();
    void stopThenStart();
    void waitUntilGone();
    void startVm();
    void probe(bool foundRunning);
    void failAll(const QString &error);
    void becomeReady();

    MsbClient *m_client;
    SandboxTarget m_target;
    State m_state = State::Unknown;
    QList<Waiter> m_waiters;
    bool m_busy = false;
    bool m_mustRestart = false;
    bool m_awaitGone = false;      // we stopped it: wait until metrics no longer shows it running
    bool m_restartedOnce = false;
    bool m_bootedForLastRun = false;
    qint64 m_lastBootMs = 0;
    QElapsedTimer m_phaseClock;
    int m_probeAttempts = 0;
    QStringList m_notes;
};

// The sandbox's console log on the server's machine (§1), for messages about a VM that failed.
QString sandboxLogPath(const QString &ns, const QString &name);

} // namespace pysandbox::msb
