#include "ResultEnvelope.h"

#include <QCoreApplication>
#include <QStringDecoder>

#include <array>
#include <utility>

namespace pysandbox {

namespace {

constexpr std::array<std::pair<RunStatus, const char *>, 10> kStatusNames{{
    {RunStatus::Ok, "ok"},
    {RunStatus::Error, "error"},
    {RunStatus::Timeout, "timeout"},
    {RunStatus::CpuLimit, "cpu_limit"},
    {RunStatus::MemoryLimit, "memory_limit"},
    {RunStatus::OutputLimit, "output_limit"},
    {RunStatus::ProcessLimit, "process_limit"},
    {RunStatus::FileSizeLimit, "file_size_limit"},
    {RunStatus::Cancelled, "cancelled"},
    {RunStatus::EngineError, "engine_error"},
}};

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::ResultEnvelope", text);
}

// Streams are kept as bytes; JSON carries them as UTF-8 text (invalid sequences become
// U+FFFD) and, only when that lost information, the exact bytes in base64 as well.
void writeStream(QJsonObject &object, const char *key, const CapturedStream &stream)
{
    auto decoder = QStringDecoder(QStringDecoder::Utf8);
    const QString text = decoder(stream.bytes);
    const QString name = QLatin1String(key);
    object.insert(name, text);
    object.insert(name + QStringLiteral("_truncated"), stream.truncated);
    object.insert(name + QStringLiteral("_bytes"), stream.totalBytes);
    if (decoder.hasError())
        object.insert(name + QStringLiteral("_base64"), QString::fromLatin1(stream.bytes.toBase64()));
}

CapturedStream readStream(const QJsonObject &object, const char *key)
{
    const QString name = QLatin1String(key);
    CapturedStream stream;
    const QJsonValue raw = object.value(name + QStringLiteral("_base64"));
    stream.bytes = raw.isString() ? QByteArray::fromBase64(raw.toString().toLatin1())
                                  : object.value(name).toString().toUtf8();
    stream.truncated = object.value(name + QStringLiteral("_truncated")).toBool();
    stream.totalBytes = object.value(name + QStringLiteral("_bytes")).toInteger(stream.bytes.size());
    return stream;
}

QString megabytes(qint64 bytes)
{
    return QString::number((bytes + 512 * 1024) / (1024 * 1024));
}

} // namespace

ErrorInfo ErrorInfo::fromJson(const QJsonObject &object)
{
    ErrorInfo info;
    info.type = object.value(QStringLiteral("type")).toString();
    info.message = object.value(QStringLiteral("message")).toString();
    info.traceback = object.value(QStringLiteral("traceback")).toString();
    info.line = object.value(QStringLiteral("line")).toInt(-1);
    info.frames = object.value(QStringLiteral("frames")).toArray();
    return info;
}

QJsonObject ErrorInfo::toJson() const
{
    return {
        {QStringLiteral("type"), type},
        {QStringLiteral("message"), message},
        {QStringLiteral("traceback"), traceback},
        {QStringLiteral("line"), line > 0 ? QJsonValue(line) : QJsonValue()},
        {QStringLiteral("frames"), frames},
    };
}

QString statusName(RunStatus status)
{
    for (const auto &[value, name] : kStatusNames)
        if (value == status)
            return QLatin1String(name);
    return QStringLiteral("engine_error");
}

std::optional<RunStatus> statusFromName(const QString &name)
{
    for (const auto &[value, text] : kStatusNames)
        if (name == QLatin1String(text))
            return value;
    return std::nullopt;
}

bool isLimitOrCancel(RunStatus status)
{
    return status != RunStatus::Ok && status != RunStatus::Error && status != RunStatus::EngineError;
}

QJsonObject ResultEnvelope::toJson() const
{
    QJsonObject object{
        {QStringLiteral("version"), kVersion},
        {QStringLiteral("status"), statusName(status)},
        {QStringLiteral("status_detail"), statusDetail},
        {QStringLiteral("has_result"), hasResult},
        {QStringLiteral("result"), hasResult ? result : QJsonValue()},
        {QStringLiteral("result_truncated"), resultTruncated},
        {QStringLiteral("displays"), displays},
    };
    if (!requestId.isEmpty())
        object.insert(QStringLiteral("id"), requestId);
    writeStream(object, "stdout", stdoutStream);
    writeStream(object, "stderr", stderrStream);
    object.insert(QStringLiteral("error"), error ? QJsonValue(error->toJson()) : QJsonValue());
    object.insert(QStringLiteral("usage"), QJsonObject{
        {QStringLiteral("wall_ms"), usage.wallMs},
        {QStringLiteral("cpu_ms"), usage.cpuMs},
        {QStringLiteral("peak_memory_kb"), usage.peakMemoryKb},
        {QStringLiteral("output_bytes"), usage.outputBytes},
        {QStringLiteral("peak_processes"), usage.peakProcesses},
        {QStringLiteral("limits"), usage.limits},
    });
    object.insert(QStringLiteral("engine"), QJsonObject{
        {QStringLiteral("name"), engine.name},
        {QStringLiteral("version"), engine.version},
        {QStringLiteral("interpreter"), engine.interpreter},
        {QStringLiteral("isolation"), QJsonArray::fromStringList(engine.isolation)},
        {QStringLiteral("security_level"), engine.securityLevel},
        {QStringLiteral("start_path"), engine.startPath},
        {QStringLiteral("notes"), QJsonArray::fromStringList(engine.notes)},
    });
    return object;
}

std::optional<ResultEnvelope> ResultEnvelope::fromJson(const QJsonObject &object, QString *error)
{
    if (object.value(QStringLiteral("version")).toInt() != kVersion) {
        *error = tr("unsupported result envelope version %1").arg(object.value(QStringLiteral("version")).toInt());
        return std::nullopt;
    }
    const auto status = statusFromName(object.value(QStringLiteral("status")).toString());
    if (!status) {
        *error = tr("unknown run status \"%1\"").arg(object.value(QStringLiteral("status")).toString());
        return std::nullopt;
    }
    ResultEnvelope envelope;
    envelope.requestId = object.value(QStringLiteral("id")).toString();
    envelope.status = *status;
    envelope.statusDetail = object.value(QStringLiteral("status_detail")).toString();
    envelope.hasResult = object.value(QStringLiteral("has_result")).toBool();
    envelope.result = object.value(QStringLiteral("result"));
    envelope.resultTruncated = object.value(QStringLiteral("result_truncated")).toBool();
    envelope.displays = object.value(QStringLiteral("displays")).toArray();
    envelope.stdoutStream = readStream(object, "stdout");
    envelope.stderrStream = readStream(object, "stderr");
    if (const QJsonObject err = object.value(QStringLiteral("error")).toObject(); !err.isEmpty())
        envelope.error = ErrorInfo::fromJson(err);
    const QJsonObject usage = object.value(QStringLiteral("usage")).toObject();
    envelope.usage.wallMs = usage.value(QStringLiteral("wall_ms")).toInteger();
    envelope.usage.cpuMs = usage.value(QStringLiteral("cpu_ms")).toInteger();
    envelope.usage.peakMemoryKb = usage.value(QStringLiteral("peak_memory_kb")).toInteger();
    envelope.usage.outputBytes = usage.value(QStringLiteral("output_bytes")).toInteger();
    envelope.usage.peakProcesses = usage.value(QStringLiteral("peak_processes")).toInt();
    envelope.usage.limits = usage.value(QStringLiteral("limits")).toObject();
    const QJsonObject engine = object.value(QStringLiteral("engine")).toObject();
    envelope.engine.name = engine.value(QStringLiteral("name")).toString();
    envelope.engine.version = engine.value(QStringLiteral("version")).toString();
    envelope.engine.interpreter = engine.value(QStringLiteral("interpreter")).toString();
    for (const QJsonValue &layer : engine.value(QStringLiteral("isolation")).toArray())
        envelope.engine.isolation.append(layer.toString());
    envelope.engine.securityLevel = engine.value(QStringLiteral("security_level")).toString();
    envelope.engine.startPath = engine.value(QStringLiteral("start_path")).toString();
    for (const QJsonValue &note : engine.value(QStringLiteral("notes")).toArray())
        envelope.engine.notes.append(note.toString());
    return envelope;
}

ResultEnvelope ResultEnvelope::engineFailure(const QString &engineName, const QString &message)
{
    ResultEnvelope envelope;
    envelope.status = RunStatus::EngineError;
    envelope.statusDetail = message;
    envelope.engine.name = engineName;
    return envelope;
}

QString verdictText(const ResultEnvelope &envelope)
{
    const QJsonObject &limits = envelope.usage.limits;
    const qint64 peakMb = (envelope.usage.peakMemoryKb + 512) / 1024;
    switch (envelope.status) {
    case RunStatus::Ok:
        return tr("finished in %1 ms").arg(envelope.usage.wallMs);
    case RunStatus::Error:
        return envelope.error ? tr("failed: %1 on line %2").arg(envelope.error->type).arg(envelope.error->line)
                              : tr("failed: %1").arg(envelope.statusDetail);
    case RunStatus::Timeout:
        return tr("stopped: wall-time limit %1 s").arg(limits.value(QStringLiteral("wall_timeout_ms")).toInteger() / 1000.0);
    case RunStatus::CpuLimit:
        return tr("stopped: CPU limit %1 s, used %2 s")
            .arg(limits.value(QStringLiteral("cpu_seconds")).toInteger())
            .arg(envelope.usage.cpuMs / 1000.0, 0, 'f', 1);
    case RunStatus::MemoryLimit:
        return tr("stopped: memory limit %1 MB, peak %2 MB")
            .arg(limits.value(QStringLiteral("memory_mb")).toInteger())
            .arg(peakMb);
    case RunStatus::OutputLimit:
        return tr("stopped: output limit %1 MB reached").arg(megabytes(limits.value(QStringLiteral("max_output_bytes")).toInteger()));
    case RunStatus::ProcessLimit:
        return tr("stopped: process limit %1, peak %2 processes")
            .arg(limits.value(QStringLiteral("max_processes")).toInteger())
            .arg(envelope.usage.peakProcesses);
    case RunStatus::FileSizeLimit:
        return tr("stopped: file size limit %1 MB").arg(megabytes(limits.value(QStringLiteral("max_file_size_bytes")).toInteger()));
    case RunStatus::Cancelled:
        return tr("stopped: cancelled by the user");
    case RunStatus::EngineError:
        return tr("engine error: %1").arg(envelope.statusDetail);
    }
    return {};
}

} // namespace pysandbox
