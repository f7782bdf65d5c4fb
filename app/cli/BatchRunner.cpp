#include "BatchRunner.h"

#include "CliOutput.h"
#include "cli/BatchRequest.h"
#include "execution/Engine.h"

#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pysandbox {

namespace {

bool isBlank(const QByteArray &line)
{
    return std::all_of(line.cbegin(), line.cend(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Only a pipe written by us alone can be watched for its reader going away: poll() reports
// POLLERR on the write end then, and never POLLIN (a terminal or an O_RDWR fifo would).
bool stdoutIsWatchablePipe()
{
    struct stat info{};
    const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
    return ::fstat(STDOUT_FILENO, &info) == 0 && S_ISFIFO(info.st_mode) && flags != -1
        && (flags & O_ACCMODE) == O_WRONLY;
}

} // namespace

BatchRunner::BatchRunner(Engine *engine, const CliCommand &command, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_defaults(command.options)
    , m_parallel(command.parallel)
{
}

void BatchRunner::start()
{
    // A notifier rather than a reader thread: reading stays on the event loop, can be paused
    // while enough requests wait (backpressure) and stopped on Ctrl+C without a blocked thread.
    m_input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_input, &QSocketNotifier::activated, this, &BatchRunner::readInput);
    // Notices `| head -1` going away while runs are still in flight, not only at the next write.
    if (stdoutIsWatchablePipe()) {
        m_outputWatch = new QSocketNotifier(STDOUT_FILENO, QSocketNotifier::Read, this);
        connect(m_outputWatch, &QSocketNotifier::activated, this, &BatchRunner::checkOutputClosed);
    }
}

void BatchRunner::interrupt()
{
    stop(ExitLimitOrCancel);
}

void BatchRunner::readInput()
{
    if (m_stopping || m_inputDone)
        return; // an activation that was already queued when reading stopped
    // One read() per readiness report: it cannot block, and stdin's flags (shared with
    // whoever else holds that terminal or pipe) need not be changed to O_NONBLOCK.
    char buffer[64 * 1024];
    const ssize_t count = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (count < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (count < 0)
        writeError(tr("cannot read standard input: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    if (count <= 0)
        return endInput();
    const char *data = buffer;
    const char *end = buffer + count;
    while (data < end) {
        const auto *newline = static_cast<const char *>(std::memchr(data, '\n', static_cast<size_t>(end - data)));
        addToLine(data, (newline ? newline : end) - data);
        if (!newline)
            break;
        endLine();
        data = newline + 1;
    }
    pump();
}

void BatchRunner::addToLine(const char *data, qsizetype size)
{
    if (m_lineTooLong)
        return;
    if (m_line.size() + size > kMaxBatchLineBytes) {
        m_lineTooLong = true;
        m_line = QByteArray(); // frees the buffer; the rest of the line is dropped as it comes
        return;
    }
    m_line.append(data, size);
}

void BatchRunner::endLine()
{
    ++m_lineNumber;
    if (m_lineTooLong)
        m_waiting.push_back(oversizedBatchLine(m_lineNumber));
    else if (!isBlank(m_line))
        m_waiting.push_back(parseBatchLine(m_line, m_lineNumber, m_defaults));
    m_lineTooLong = false;
    m_line.clear();
}

void BatchRunner::endInput()
{
    m_inputDone = true;
    m_input->setEnabled(false);
    if (!m_line.isEmpty() || m_lineTooLong)
        endLine(); // the last line may lack its newline
    pump();
}

void BatchRunner::pump()
{
    // An invalid line takes its turn like a run that ends at once, so that with --parallel 1
    // its envelope too comes in input order.
    while (!m_stopping && !m_waiting.empty() && m_running.size() < m_parallel) {
        BatchLine next = std::move(m_waiting.front());
        m_waiting.pop_front();
        if (!next.error.isEmpty()) {
            ResultEnvelope envelope = ResultEnvelope::engineFailure(m_engine->name(), next.error);
            envelope.requestId = next.request.id;
            print(envelope);
            continue;
        }
        ExecutionRun *run = m_engine->start(next.request, this);
        m_running.append(run);
        connect(run, &ExecutionRun::finished, this,
                [this, run](const ResultEnvelope &envelope) { onRunFinished(run, envelope); });
    }
    // Read on only while fewer requests wait than can run: memory stays bounded however long
    // the input is, and a run still starts as soon as a slot frees up.
    if (!m_inputDone && !m_stopping)
        m_input->setEnabled(m_waiting.size() < static_cast<size_t>(m_parallel));
    finishIfDone();
}

void BatchRunner::onRunFinished(ExecutionRun *run, const ResultEnvelope &envelope)
{
    m_running.removeOne(run);
    run->deleteLater();
    print(envelope);
    pump();
}

void BatchRunner::print(const ResultEnvelope &envelope)
{
    if (m_outputClosed)
        return;
    if (!writeEnvelopeJson(envelope))
        onOutputClosed();
}

void BatchRunner::checkOutputClosed()
{
    pollfd watched{STDOUT_FILENO, 0, 0};
    if (::poll(&watched, 1, 0) == 1 && (watched.revents & (POLLERR | POLLHUP)))
        onOutputClosed();
}

void BatchRunner::onOutputClosed()
{
    if (m_outputClosed)
        return;
    m_outputClosed = true;
    if (m_outputWatch)
        m_outputWatch->setEnabled(false); // level-triggered: it would fire again and again
    writeError(tr("standard output was closed; stopping the batch"));
    stop(ExitLimitOrCancel);
}

void BatchRunner::stop(int exitCode)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_exitCode = exitCode;
    if (m_input)
        m_input->setEnabled(false);
    m_waiting.clear(); // read but never started: nothing to cancel, so no envelope
    // Each cancelled run still finishes with its envelope (cancelled, or how it had ended).
    const QList<ExecutionRun *> running = m_running;
    for (ExecutionRun *run : running)
        run->cancel();
    finishIfDone();
}

void BatchRunner::finishIfDone()
{
    if (m_done || !m_running.isEmpty() || !(m_stopping || (m_inputDone && m_waiting.empty())))
        return;
    m_done = true;
    Q_EMIT finished(m_exitCode);
}

} // namespace pysandbox
