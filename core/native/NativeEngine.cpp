#include "NativeEngine.h"

#include "NativeRun.h"

#include <QCoreApplication>
#include <QFile>
#include <QtConcurrent/QtConcurrentRun>

namespace pysandbox {

namespace {

QString loadRunnerSource()
{
    QFile file(QStringLiteral(":/pysandbox/runner/pysandbox_runner.py"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace

NativeEngine::NativeEngine(NativeEngineConfig config, QObject *parent)
    : Engine(parent)
    , m_config(std::move(config))
{
}

void NativeEngine::setConfig(const NativeEngineConfig &config)
{
    if (config.interpreter != m_config.interpreter)
        m_interpreterRequested = false;
    m_config = config;
}

QFuture<PythonInterpreter> NativeEngine::interpreter()
{
    if (!m_interpreterRequested) {
        m_interpreter = QtConcurrent::run(&PythonLocator::locate, m_config.interpreter);
        m_interpreterRequested = true;
    }
    return m_interpreter;
}

QStringList NativeEngine::isolationLayers()
{
    return {QStringLiteral("rlimits"), QStringLiteral("process-group"), QStringLiteral("private-scratch-dir"),
            QStringLiteral("clean-environment"), QStringLiteral("closed-file-descriptors")};
}

QString NativeEngine::securityLevel()
{
    return QStringLiteral("rlimits-only");
}

QFuture<EngineStatus> NativeEngine::probe()
{
    return interpreter().then([](const PythonInterpreter &python) {
        EngineStatus status;
        status.kind = EngineKind::Native;
        status.isolation = isolationLayers();
        status.securityLevel = securityLevel();
        status.strength = 1;
        status.ready = python.isUsable();
        if (status.ready) {
            status.summary = tr("ready: Python %1 at %2").arg(python.version, python.executable);
            status.problems.append(
                tr("no filesystem or network isolation yet: the snippet runs with your user's rights, "
                   "limited only by resource limits"));
        } else {
            status.summary = tr("not ready");
            status.problems.append(python.error);
        }
        return status;
    });
}

ExecutionRun *NativeEngine::start(const ExecutionRequest &request, QObject *parent)
{
    static const QString runnerSource = loadRunnerSource();
    auto *run = new NativeRun(request, m_config, interpreter(), runnerSource, parent);
    run->begin();
    return run;
}

} // namespace pysandbox
