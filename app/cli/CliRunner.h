#pragma once

#include "cli/CliArguments.h"
#include "microsandbox/MicrosandboxEngine.h"

#include <QObject>

#include <functional>

namespace pysandbox {

class BatchRunner;
class EngineFactory;
class ExecutionRun;

// Carries out one parsed command and quits the event loop with the exit status.
class CliRunner final : public QObject
{
    Q_OBJECT
public:
    CliRunner(CliCommand command, QObject *parent = nullptr);
    void start();
    // Ctrl+C: cancel the run or the batch (a second one exits at once).
    void interrupt();

private:
    void runSnippet();
    void runBatch();
    void doctor();
    void stopSandbox(const MicrosandboxConfig &config);
    // Resolves the engine choice without blocking, then calls `then` in this thread.
    void whenSelected(EngineChoice choice, const std::function<void(const EngineSelection &)> &then);
    void onFinished(const ResultEnvelope &envelope);
    void exitWith(int code);

    CliCommand m_command;
    EngineFactory *m_factory = nullptr;
    ExecutionRun *m_run = nullptr;
    BatchRunner *m_batch = nullptr;
    bool m_interrupted = false;
    bool m_stdoutIsTerminal = false;
    bool m_stderrIsTerminal = false;
};

} // namespace pysandbox
