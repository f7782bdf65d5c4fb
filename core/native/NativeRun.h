#pragma once

#include "ChildProcess.h"
#include "NativeEngine.h"
#include "ProcessTree.h"
#include "RunnerProtocol.h"
#include "isolation/IsolationVerifier.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QPointer>

#include <memory>

class QTemporaryDir;
class QTimer;

namespace pysandbox {

// One native run: scratch directory, child, timers, monitor, and the verdict.
class NativeRun final : public ExecutionRun
{
    Q_OBJECT
public:
    NativeRun(ExecutionRequest request, NativeEngineConfig config, QFuture<NativeEnvironment> environment,
              QString runnerSource, WarmPoolProvider warmPool, QObject *parent);
    ~NativeRun() override;

    void begin();
    void cancel() override;

private:
    // Why the host stopped the run; the first reason recorded wins.
    enum class StopReason { None, Cancel, Timeout, Output, Memory, Cpu, Processes, Disk, ResultTooLarge };

    void launch(const NativeEnvironment &environment);
    // Whether this run waits for (or uses) the warm pool; sets m_coldReason otherwise.
    WarmPool *chooseWarmPool(const NativeEnvironment &environment);
    bool launchWarm(WarmPool *pool, QString *error);
    void startTimers();
    bool prepareScratch(bool copyFiles, QString *error);
    bool checkWorkingFiles(QString *error) const;
    pid_t runnerPid(const TreeSample &tree) const;
    bool cpuLimitReached(const ChildExit &exit) const;
    void verifyLayers(pid_t runner);
    QStringList activeLayers() const;
    void onChunk(ChildProcess::Channel channel, const QByteArray &chunk);
    void onExit(const ChildExit &exit);
    void onResultFrame();
    // Closes the request pipe (the runner leaves) and kills the group if it lingers.
    void releaseRunner();
    void sampleTree();
    void stop(StopReason reason);
    RunStatus decideStatus(const ChildExit &exit, const std::optional<runner::RunnerResult> &result) const;
    void fail(const QString &message);
    void finishWarmAtResult();
    static QJsonObject limitsJson(const ExecutionOptions &options);
    static qint64 warmScratchUsedBytes(pid_t zygote);

    ExecutionRequest m_request;
    NativeEngineConfig m_config;
    QFuture<NativeEnvironment> m_environmentFuture;
    QFutureWatcher<NativeEnvironment> m_environmentWatcher;
    QString m_runnerSource;
    WarmPoolProvider m_warmPool;
    QPointer<WarmPool> m_pool; // the pool this run started in
    PythonInterpreter m_python;
    bool m_sandboxed = false;
    bool m_waitingForPool = false;
    NativeEnvironment m_environment;
    QString m_coldReason; // why a warm start was asked for but not used
    std::optional<VerifiedLayers> m_verified;
    bool layersConfirmed() const { return m_verified && m_verified->unverified.isEmpty(); }

    std::unique_ptr<QTemporaryDir> m_scratch;
    ChildProcess *m_child = nullptr;
    QTimer *m_wallTimer = nullptr;
    QTimer *m_monitorTimer = nullptr;
    QTimer *m_graceTimer = nullptr;
    QElapsedTimer m_clock;

    runner::FrameReader m_frame;
    CapturedStream m_stdout;
    CapturedStream m_stderr;
    qint64 m_outputBytes = 0;
    StopReason m_stopReason = StopReason::None;
    int m_peakProcesses = 0;
    qint64 m_peakRssKb = 0;
    qint64 m_peakRawRssKb = 0; // RSS as sampled, before shared pages are discounted
    qint64 m_scratchBaseline = -1; // warm: bytes used in the pool's shared /work when the run began
    qint64 m_treeCpuMs = 0;
    QHash<pid_t, quint64> m_seenProcesses; // every descendant the monitor saw (pid → start time)
};

} // namespace pysandbox
