#pragma once

#include "NativeLaunch.h"
#include "PythonInterpreter.h"
#include "RunnerProtocol.h"
#include "execution/Engine.h"

#include <QFuture>
#include <QPointer>

#include <functional>

namespace pysandbox {

struct NativeEngineConfig
{
    QString interpreter;            // empty: python3 on PATH
    bool useIsolation = true;       // bubblewrap namespaces + seccomp when the machine offers them
    bool requireIsolation = true;   // refuse to run rather than fall back to rlimits only
    QString bubblewrap;             // empty: bwrap on PATH
    QStringList extraReadOnlyPaths; // e.g. site-packages the user chose, bound read-only
    QStringList removedLayersForTesting; // see BubblewrapPlan::removedLayers; never set by the app
    int interruptGraceMs = 500;     // between SIGINT and SIGKILL on cancel
    int monitorIntervalMs = 25;     // how often the process tree is measured
    runner::Limits runnerLimits;
    // Fork each run from one preloaded interpreter in the sandbox (docs/design/warm-pool.md).
    bool warmPool = false;
    QStringList preload = defaultPreload(); // modules the warm interpreter imports up front
    int warmPoolMinAvailableMb = 256;       // below this much free memory runs start cold

    static QStringList defaultPreload();
};

// Runs snippets in a local python3 child with per-run limits (docs/architecture.md).
class WarmPool;

// How a run asks its engine for the warm pool: nullptr, with the reason, when it starts cold.
using WarmPoolProvider = std::function<WarmPool *(const NativeEnvironment &environment, QString *whyCold)>;

class NativeEngine final : public Engine
{
    Q_OBJECT
public:
    explicit NativeEngine(NativeEngineConfig config = {}, QObject *parent = nullptr);

    EngineKind kind() const override { return EngineKind::Native; }
    QString name() const override { return QStringLiteral("native"); }
    QFuture<EngineStatus> probe() override;
    static EngineStatus statusFor(const NativeEngineConfig &config, const NativeEnvironment &environment);
    ExecutionRun *start(const ExecutionRequest &request, QObject *parent) override;

    const NativeEngineConfig &config() const { return m_config; }
    void setConfig(const NativeEngineConfig &config);
    // The interpreter and isolation support, found once on a worker thread and then cached.
    QFuture<NativeEnvironment> environment();

    // Layers the host applies itself, with or without a sandbox.
    static QStringList hostLayers();

    // The warm pool for the current configuration, created and started on first use;
    // nullptr with *whyCold set when runs must start cold (empty when not asked for).
    WarmPool *warmPool(const NativeEnvironment &environment, QString *whyCold);
    // Starts the warm pool now (when configured) instead of at the first run.
    void prepareWarmPool();
    WarmPool *currentWarmPool() const;

private:
    void retirePool();

    NativeEngineConfig m_config;
    QPointer<WarmPool> m_pool;
    QFuture<NativeEnvironment> m_environment;
    bool m_environmentRequested = false;
};

} // namespace pysandbox
