#include "CliOutput.h"

#include "cli/CliArguments.h"
#include "util/JsonText.h"
#include "util/TerminalText.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::cli", text);
}

void writeBytes(std::FILE *file, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), file);
}

void writeLine(std::FILE *file, const QString &text)
{
    writeBytes(file, text.toUtf8() + '\n');
}

// Only output headed for a terminal is sanitised; pipes get the exact bytes.
QByteArray forDisplay(const QByteArray &bytes, bool toTerminal)
{
    if (!toTerminal)
        return bytes;
    TerminalSanitizer sanitizer;
    return sanitizer.feed(bytes);
}

} // namespace

void writeError(const QString &message)
{
    writeLine(stderr, tr("pysandbox-cli: %1").arg(message));
}

void writeStreamChunk(OutputStream stream, const QByteArray &chunk, bool toTerminal)
{
    // One sanitiser per stream keeps multi-byte characters split across chunks intact.
    static TerminalSanitizer stdoutSanitizer, stderrSanitizer;
    std::FILE *file = stream == OutputStream::Stdout ? stdout : stderr;
    TerminalSanitizer &sanitizer = stream == OutputStream::Stdout ? stdoutSanitizer : stderrSanitizer;
    writeBytes(file, toTerminal ? sanitizer.feed(chunk) : chunk);
    std::fflush(file);
}

bool writeEnvelopeJson(const ResultEnvelope &envelope)
{
    writeBytes(stdout, QJsonDocument(envelope.toJson()).toJson(QJsonDocument::Compact) + '\n');
    // Flushed per envelope: a batch consumer acts on each line as it comes.
    return std::fflush(stdout) == 0 && !std::ferror(stdout);
}

void writeHumanSummary(const ResultEnvelope &envelope, bool toTerminal)
{
    const auto &stdoutStream = envelope.stdoutStream;
    const auto &stderrStream = envelope.stderrStream;
    if ((!stdoutStream.bytes.isEmpty() && !stdoutStream.bytes.endsWith('\n'))
        || (!stderrStream.bytes.isEmpty() && !stderrStream.bytes.endsWith('\n')))
        writeBytes(stderr, "\n");
    if (stdoutStream.truncated || stderrStream.truncated)
        writeLine(stderr, tr("[output truncated after %1 bytes]").arg(stdoutStream.bytes.size() + stderrStream.bytes.size()));
    if (envelope.error && !envelope.error->traceback.isEmpty())
        writeBytes(stderr, forDisplay(envelope.error->traceback.toUtf8(), toTerminal));
    else if (envelope.error)
        writeLine(stderr, QString::fromUtf8(forDisplay(QStringLiteral("%1: %2").arg(envelope.error->type, envelope.error->message).toUtf8(), toTerminal)));
    if (envelope.hasResult) {
        const QByteArray text = compactJson(envelope.result).toUtf8();
        writeLine(stderr, tr("result: %1").arg(QString::fromUtf8(forDisplay(text, toTerminal))));
    }
    if (!envelope.displays.isEmpty())
        writeLine(stderr, tr("displays: %1 (use --json to get them)").arg(envelope.displays.size()));
    const Usage &usage = envelope.usage;
    writeLine(stderr, tr("%1 — %2 · engine %3 (%4) · wall %5 ms · cpu %6 ms · peak %7 MB")
                          .arg(statusName(envelope.status), verdictText(envelope), envelope.engine.name,
                               envelope.engine.securityLevel.isEmpty() ? tr("no isolation") : envelope.engine.securityLevel)
                          .arg(usage.wallMs)
                          .arg(usage.cpuMs)
                          .arg((usage.peakMemoryKb + 512) / 1024));
}

void writeDoctorReport(const EngineSelection &selection, bool json)
{
    if (json) {
        QJsonArray engines;
        for (const EngineStatus &status : selection.considered) {
            engines.append(QJsonObject{
                {QStringLiteral("engine"), engineKindName(status.kind)},
                {QStringLiteral("ready"), status.ready},
                {QStringLiteral("summary"), status.summary},
                {QStringLiteral("problems"), QJsonArray::fromStringList(status.problems)},
                {QStringLiteral("notes"), QJsonArray::fromStringList(status.notes)},
                {QStringLiteral("isolation"), QJsonArray::fromStringList(status.isolation)},
                {QStringLiteral("security_level"), status.securityLevel},
            });
        }
        const QJsonObject report{
            {QStringLiteral("engines"), engines},
            {QStringLiteral("auto"), selection.engine ? selection.engine->name() : QJsonValue()},
        };
        writeBytes(stdout, QJsonDocument(report).toJson(QJsonDocument::Indented));
        return;
    }
    for (const EngineStatus &status : selection.considered) {
        writeLine(stdout, QStringLiteral("%1: %2 — %3").arg(engineKindName(status.kind), status.ready ? tr("ready") : tr("not ready"), status.summary));
        if (!status.isolation.isEmpty())
            writeLine(stdout, tr("  isolation: %1 (%2)").arg(status.isolation.join(QStringLiteral(", ")), status.securityLevel));
        for (const QString &problem : status.problems)
            writeLine(stdout, QStringLiteral("  - %1").arg(problem));
        for (const QString &note : status.notes)
            writeLine(stdout, tr("  note: %1").arg(note));
    }
    writeLine(stdout, selection.engine ? tr("auto picks: %1").arg(selection.engine->name()) : tr("auto picks: nothing is ready"));
}

} // namespace pysandbox
