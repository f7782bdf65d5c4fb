#pragma once

#include "cli/CliArguments.h"

#include <QObject>

namespace pysandbox {

class EngineFactory;
class ExecutionRun;

// Carries out one parsed command and quits the event loop with the exit status.
class CliRunner final : public QObject
{
    Q_OBJECT
public:
    CliRunner(CliCommand command, QObject *parent = nullptr);
    void start();
    // Ctrl+C: cancel the run (a second one exits at once).
    void interrupt();

private:
    void runSnippet();
    void doctor();
    void onFinished(const ResultEnvelope &envelope);
    void exitWith(int code);

    CliCommand m_command;
    EngineFactory *m_factory = nullptr;
    ExecutionRun *m_run = nullptr;
    bool m_interrupted = false;
    bool m_stdoutIsTerminal = false;
    bool m_stderrIsTerminal = false;
};

} // namespace pysandbox
