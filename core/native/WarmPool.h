#pragma once

#include "ChildProcess.h"
#include "PythonInterpreter.h"
#include "isolation/IsolationVerifier.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QStringList>

class QSocketNotifier;
class QTimer;

namespace pysandbox {

// What a pool is built for: when any of it changes, the pool is rebuilt.
struct WarmPoolSettings
{
    PythonInterpreter python;
    QString bubblewrap;
    QStringList preload;
    QStringList extraReadOnlyPaths;
    QStringList removedLayers;

    bool sameAs(const WarmPoolSettings &other) const;
};

// One preloaded interpreter (the zygote) in one bubblewrap sandbox, which forks a fresh,
// locked-down child per run (docs/design/warm-pool.md). Restarts the zygote when it dies;
// stops it, and with it the whole sandbox, when destroyed.
class WarmPool final : public QObject
{
    Q_OBJECT
public:
    enum class State { Starting, Ready, Failed };
    Q_ENUM(State)

    static constexpr int kMaxRestartsPerMinute = 3;

    WarmPool(WarmPoolSettings settings, QString runnerSource, QObject *parent = nullptr);
    ~WarmPool() override;
    Q_DISABLE_COPY_MOVE(WarmPool)

    void start();
    State state() const { return m_state; }
    const WarmPoolSettings &settings() const { return m_settings; }
    QString problem() const { return m_problem; } // why it is Failed
    int controlFd() const { return m_controlFd; }
    pid_t zygotePid() const { return m_zygotePid; }
    // Host pid of the outer bubblewrap process (the sandbox's root on this side).
    pid_t sandboxPid() const { return m_sandbox ? m_sandbox->pid() : -1; }
    // The zygote's "ready" message: preloaded modules, failures, mapped memory.
    const QJsonObject &readyReport() const { return m_ready; }
    QStringList preloaded() const;
    // The sandbox layers read from the zygote's /proc entries once it was ready; its children
    // share its namespaces (verifySandboxLayersLike).
    const VerifiedLayers &zygoteLayers() const { return m_zygoteLayers; }
    int restarts() const { return m_restarts; }
    qint64 startupMs() const { return m_startupMs; }

    // Starts a child of the zygote; only while Ready.
    bool launch(ChildProcess *child, const QByteArray &header, QString *error);
    int activeRuns() const { return m_activeRuns; }
    // Tells the zygote that a run it started is over (the host has its result), so that its
    // directory is sealed before any run sent after this call begins.
    void runFinished(const QString &runName);
    // Takes no new runs and deletes itself once the runs it started have ended (a changed
    // configuration must not kill the runs already under way).
    void retire();

Q_SIGNALS:
    void stateChanged(pysandbox::WarmPool::State state);

private:
    void readControl();
    void onSandboxExit(const ChildExit &exit);
    void setState(State state, const QString &problem = {});
    void stopSandbox();

    WarmPoolSettings m_settings;
    QString m_runnerSource;
    State m_state = State::Starting;
    QString m_problem;
    ChildProcess *m_sandbox = nullptr;
    int m_controlFd = -1;
    QSocketNotifier *m_controlNotifier = nullptr;
    QTimer *m_startTimeout = nullptr;
    pid_t m_zygotePid = -1;
    QJsonObject m_ready;
    VerifiedLayers m_zygoteLayers;
    QByteArray m_log; // the zygote's own output (capped), to explain a failure
    int m_restarts = 0;
    int m_activeRuns = 0;
    bool m_retired = false;
    QList<qint64> m_restartTimes;
    QElapsedTimer m_clock;
    qint64 m_startupMs = 0;
};

} // namespace pysandbox
