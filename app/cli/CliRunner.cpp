#include "CliRunner.h"

#include "BatchRunner.h"
#include "CliOutput.h"
#include "DefaultEngines.h"

#include <QCoreApplication>
#include <QFile>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QStringDecoder>
#include <QTextStream>

#include <cstdio>

#include <unistd.h>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::cli", text);
}

bool readCode(const QString &path, QString *code, QString *error)
{
    QFile file;
    const bool fromStdin = path == QLatin1String("-");
    const bool opened = fromStdin ? file.open(stdin, QIODevice::ReadOnly) : (file.setFileName(path), file.open(QIODevice::ReadOnly));
    if (!opened) {
        *error = tr("cannot read the snippet \"%1\": %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = file.readAll();
    auto decoder = QStringDecoder(QStringDecoder::Utf8);
    *code = decoder(bytes);
    if (decoder.hasError()) {
        *error = tr("the snippet \"%1\" is not valid UTF-8 text").arg(fromStdin ? tr("standard input") : path);
        return false;
    }
    return true;
}

} // namespace

CliRunner::CliRunner(CliCommand command, QObject *parent)
    : QObject(parent)
    , m_command(std::move(command))
    , m_stdoutIsTerminal(::isatty(STDOUT_FILENO) == 1)
    , m_stderrIsTerminal(::isatty(STDERR_FILENO) == 1)
{
}

void CliRunner::exitWith(int code)
{
    std::fflush(stdout);
    std::fflush(stderr);
    QCoreApplication::exit(code);
}

void CliRunner::start()
{
    EngineConfig config;
    config.native.interpreter = m_command.python;
    config.native.bubblewrap = m_command.bubblewrap;
    config.native.requireIsolation = !m_command.allowUnsandboxed;
    // A batch runs many snippets on one engine; the warm pool lets them share its start-up.
    // `doctor` reports on the same configuration (and on whether warm starts are possible);
    // a single `run` starts cold, which is quicker than preloading for one snippet.
    config.native.warmPool = m_command.kind == CliCommand::Kind::Batch || m_command.kind == CliCommand::Kind::Doctor;
    // The microsandbox VM stays warm after the run, for the next invocation (stop-sandbox ends it).
    config.microsandbox = microsandboxConfigFor(m_command);
    if (m_command.kind == CliCommand::Kind::StopSandbox)
        return stopSandbox(config.microsandbox);
    m_factory = createDefaultEngineFactory(config, this);
    if (m_command.kind == CliCommand::Kind::Doctor)
        doctor();
    else if (m_command.kind == CliCommand::Kind::Batch)
        runBatch();
    else
        runSnippet();
}

void CliRunner::interrupt()
{
    if (m_interrupted)
        return exitWith(ExitLimitOrCancel);
    m_interrupted = true;
    if (m_batch)
        m_batch->interrupt();
    else if (m_run)
        m_run->cancel();
    else if (m_command.kind != CliCommand::Kind::Run)
        exitWith(ExitLimitOrCancel); // still choosing the engine: nothing to cancel yet
}

void CliRunner::whenSelected(EngineChoice choice, const std::function<void(const EngineSelection &)> &then)
{
    auto *watcher = new QFutureWatcher<EngineSelection>(this);
    connect(watcher, &QFutureWatcher<EngineSelection>::finished, this, [watcher, then] {
        watcher->deleteLater();
        then(watcher->result());
    });
    watcher->setFuture(m_factory->select(choice));
}

void CliRunner::doctor()
{
    whenSelected(EngineChoice::Auto, [this](const EngineSelection &selection) {
        writeDoctorReport(selection, m_command.json);
        exitWith(selection.engine ? ExitOk : ExitEngineFailure);
    });
}

void CliRunner::stopSandbox(const MicrosandboxConfig &config)
{
    auto *engine = new MicrosandboxEngine(config, this);
    msb::MsbCall *call = engine->stopSandbox();
    connect(call, &msb::MsbCall::finished, this, [this, config](const msb::RpcResponse &response) {
        if (!response.ok) {
            writeError(tr("could not stop the sandbox %1: %2").arg(config.effectiveSandboxName(), response.error.message));
            return exitWith(ExitEngineFailure);
        }
        std::fprintf(stdout, "%s\n", qPrintable(response.result.toString()));
        exitWith(ExitOk);
    });
}

void CliRunner::runBatch()
{
    whenSelected(m_command.engine, [this](const EngineSelection &selection) {
        if (m_interrupted)
            return exitWith(ExitLimitOrCancel);
        if (!selection.engine) {
            writeError(tr("cannot start the batch: %1").arg(selection.reason));
            return exitWith(ExitEngineFailure);
        }
        m_batch = new BatchRunner(selection.engine, m_command, this);
        connect(m_batch, &BatchRunner::finished, this, &CliRunner::exitWith);
        m_batch->start();
    });
}

void CliRunner::runSnippet()
{
    QString code, error;
    if (!readCode(m_command.codePath, &code, &error)) {
        writeError(error);
        return exitWith(ExitUsage);
    }
    whenSelected(m_command.engine, [this, code](const EngineSelection &selection) {
        if (!selection.engine) {
            onFinished(ResultEnvelope::engineFailure(engineChoiceName(m_command.engine), selection.reason));
            return;
        }
        ExecutionRequest request;
        request.code = code;
        request.inputs = m_command.inputs;
        request.options = m_command.options;
        m_run = selection.engine->start(request, this);
        if (!m_command.json) {
            connect(m_run, &ExecutionRun::output, this, [this](OutputStream stream, const QByteArray &chunk) {
                writeStreamChunk(stream, chunk, stream == OutputStream::Stdout ? m_stdoutIsTerminal : m_stderrIsTerminal);
            });
        }
        connect(m_run, &ExecutionRun::finished, this, &CliRunner::onFinished);
        if (m_interrupted)
            m_run->cancel();
    });
}

void CliRunner::onFinished(const ResultEnvelope &envelope)
{
    if (m_command.json)
        writeEnvelopeJson(envelope);
    else
        writeHumanSummary(envelope, m_stderrIsTerminal);
    exitWith(exitCodeFor(envelope.status));
}

} // namespace pysandbox
