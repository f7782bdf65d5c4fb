#pragma once

#include "cli/BatchRequest.h"
#include "cli/CliArguments.h"

#include <QList>
#include <QObject>

#include <deque>

class QSocketNotifier;

namespace pysandbox {

class Engine;
class ExecutionRun;

// `pysandbox-cli batch`: reads request lines from standard input as they arrive, runs up to
// `parallel` of them at once on one engine, and prints each run's envelope as it finishes.
// Streaming both ways: a run starts as soon as its line is read, input is read only while
// few requests wait, and no envelope is kept after it is printed.
class BatchRunner final : public QObject
{
    Q_OBJECT
public:
    BatchRunner(Engine *engine, const CliCommand &command, QObject *parent = nullptr);
    void start();
    // Ctrl+C / SIGTERM: stop reading, cancel the runs in flight and print their envelopes.
    void interrupt();

Q_SIGNALS:
    // Every line was answered (ExitOk), or the batch was stopped (ExitLimitOrCancel).
    void finished(int exitCode);

private:
    void readInput();
    void addToLine(const char *data, qsizetype size);
    void endLine();
    void endInput();
    void pump();
    void onRunFinished(ExecutionRun *run, const ResultEnvelope &envelope);
    void print(const ResultEnvelope &envelope);
    void checkOutputClosed();
    void onOutputClosed();
    void stop(int exitCode);
    void finishIfDone();

    Engine *m_engine;
    ExecutionOptions m_defaults;
    qsizetype m_parallel;
    QSocketNotifier *m_input = nullptr;
    QSocketNotifier *m_outputWatch = nullptr;
    QByteArray m_line;          // the line being read (at most kMaxBatchLineBytes)
    qint64 m_lineNumber = 0;    // of the last complete line; blank lines count too
    bool m_lineTooLong = false; // the current line is being skipped up to its newline
    bool m_inputDone = false;
    std::deque<BatchLine> m_waiting; // read, not yet started
    QList<ExecutionRun *> m_running;
    bool m_stopping = false;
    bool m_outputClosed = false;
    bool m_done = false;
    int m_exitCode = ExitOk;
};

} // namespace pysandbox
