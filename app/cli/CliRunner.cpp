#include "CliRunner.h"

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
    m_factory = createDefaultEngineFactory(config, this);
    if (m_command.kind == CliCommand::Kind::Doctor)
        doctor();
    else
        runSnippet();
}

void CliRunner::interrupt()
{
    if (m_interrupted)
        return exitWith(ExitLimitOrCancel);
    m_interrupted = true;
    if (m_run)
        m_run->cancel();
    else if (m_command.kind == CliCommand::Kind::Doctor)
        exitWith(ExitLimitOrCancel);
}

void CliRunner::doctor()
{
    auto *watcher = new QFutureWatcher<EngineSelection>(this);
    connect(watcher, &QFutureWatcher<EngineSelection>::finished, this, [this, watcher] {
        const EngineSelection selection = watcher->result();
        writeDoctorReport(selection, m_command.json);
        exitWith(selection.engine ? ExitOk : ExitEngineFailure);
    });
    watcher->setFuture(m_factory->select(EngineChoice::Auto));
}

void CliRunner::runSnippet()
{
    QString code, error;
    if (!readCode(m_command.codePath, &code, &error)) {
        writeError(error);
        return exitWith(ExitUsage);
    }
    auto *watcher = new QFutureWatcher<EngineSelection>(this);
    connect(watcher, &QFutureWatcher<EngineSelection>::finished, this, [this, watcher, code] {
        const EngineSelection selection = watcher->result();
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
    watcher->setFuture(m_factory->select(m_command.engine));
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
