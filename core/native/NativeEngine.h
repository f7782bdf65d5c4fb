#pragma once

#include "NativeLaunch.h"
#include "PythonInterpreter.h"
#include "RunnerProtocol.h"
#include "execution/Engine.h"

#include <QFuture>

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
};

// Runs snippets in a local python3 child with per-run limits (docs/architecture.md).
class NativeEngine final : public Engine
{
    Q_OBJECT
public:
    explicit NativeEngine(NativeEngineConfig config = {}, QObject *parent = nullptr);

    EngineKind kind() const override { return EngineKind::Native; }
    QString name() const override { return QStringLiteral("native"); }
    QFuture<EngineStatus> probe() override;
    ExecutionRun *start(const ExecutionRequest &request, QObject *parent) override;

    const NativeEngineConfig &config() const { return m_config; }
    void setConfig(const NativeEngineConfig &config);
    // The interpreter and isolation support, found once on a worker thread and then cached.
    QFuture<NativeEnvironment> environment();

    // Layers the host applies itself, with or without a sandbox.
    static QStringList hostLayers();

private:
    NativeEngineConfig m_config;
    QFuture<NativeEnvironment> m_environment;
    bool m_environmentRequested = false;
};

} // namespace pysandbox
