#pragma once

#include "PythonInterpreter.h"
#include "RunnerProtocol.h"
#include "execution/Engine.h"

#include <QFuture>

namespace pysandbox {

struct NativeEngineConfig
{
    QString interpreter;            // empty: python3 on PATH
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
    // The interpreter in use, located once on a worker thread and then cached.
    QFuture<PythonInterpreter> interpreter();

    static QStringList isolationLayers();
    static QString securityLevel();

private:
    NativeEngineConfig m_config;
    QFuture<PythonInterpreter> m_interpreter;
    bool m_interpreterRequested = false;
};

} // namespace pysandbox
