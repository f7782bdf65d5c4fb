#include "RunnerProtocol.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

namespace pysandbox::runner {

namespace {

constexpr int kHeaderBytes = 8;

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::runner", text);
}

} // namespace

QByteArray encodeFrame(const QByteArray &payload)
{
    QByteArray frame(kHeaderBytes, Qt::Uninitialized);
    qToBigEndian<quint64>(static_cast<quint64>(payload.size()), frame.data());
    return frame + payload;
}

QByteArray encodeRequest(const ExecutionRequest &request, const Limits &limits, bool withEnvironment)
{
    QJsonObject object{
        {QStringLiteral("protocol"), kProtocolVersion},
        {QStringLiteral("code"), request.code},
        {QStringLiteral("inputs"), request.inputs},
        {QStringLiteral("filename"), QLatin1String(kSnippetFilename)},
        {QStringLiteral("limits"), QJsonObject{
             {QStringLiteral("max_result_bytes"), limits.maxResultBytes},
             {QStringLiteral("max_display_bytes"), limits.maxDisplayBytes},
             {QStringLiteral("max_repr_chars"), limits.maxReprChars},
             {QStringLiteral("max_items"), limits.maxItems},
             {QStringLiteral("max_table_rows"), limits.maxTableRows},
             {QStringLiteral("max_depth"), limits.maxDepth},
         }},
    };
    if (withEnvironment) {
        QJsonObject environment;
        for (auto it = request.options.environment.cbegin(); it != request.options.environment.cend(); ++it)
            environment.insert(it.key(), it.value());
        object.insert(QStringLiteral("environment"), environment);
    }
    return encodeFrame(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

void RunnerResult::applyTo(ResultEnvelope &envelope) const
{
    envelope.hasResult = hasResult;
    envelope.result = result;
    envelope.resultTruncated = resultTruncated;
    envelope.displays = displays;
    envelope.error = error;
}

FrameReader::State FrameReader::append(const QByteArray &bytes)
{
    if (m_state != State::Incomplete)
        return m_state;
    m_buffer += bytes;
    if (m_buffer.size() < kHeaderBytes)
        return m_state;
    const quint64 length = qFromBigEndian<quint64>(m_buffer.constData());
    if (length > static_cast<quint64>(kMaxFrameBytes)) {
        m_state = State::Oversized;
        m_buffer.clear();
        return m_state;
    }
    if (static_cast<quint64>(m_buffer.size() - kHeaderBytes) < length)
        return m_state;
    m_payload = m_buffer.mid(kHeaderBytes, static_cast<qsizetype>(length));
    m_buffer.clear();
    m_state = State::Complete;
    return m_state;
}

std::optional<RunStatus> limitRaisedInPython(const ErrorInfo &error, const ExecutionOptions &applied)
{
    if (error.type == QLatin1String("MemoryError") && applied.memoryMb > 0)
        return RunStatus::MemoryLimit;
    if (error.message.contains(QLatin1String("[Errno 27]")) && applied.maxFileSizeBytes > 0)
        return RunStatus::FileSizeLimit;
    if (error.type == QLatin1String("BlockingIOError") && error.message.contains(QLatin1String("[Errno 11]"))
        && error.traceback.contains(QLatin1String("fork")) && applied.maxProcesses > 0)
        return RunStatus::ProcessLimit; // RLIMIT_NPROC refused a fork
    return std::nullopt;
}

QString limitRaisedInPythonDetail(const ErrorInfo &error)
{
    return tr("Python raised %1 while the limit was in force: %2").arg(error.type, error.message);
}

std::optional<RunnerResult> parseResult(const QByteArray &payload, QString *error)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = tr("the runner's result is not valid JSON (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset);
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    if (object.value(QStringLiteral("protocol")).toInt() != kProtocolVersion) {
        *error = tr("the runner speaks protocol %1, expected %2")
                     .arg(object.value(QStringLiteral("protocol")).toInt())
                     .arg(kProtocolVersion);
        return std::nullopt;
    }
    RunnerResult result;
    result.hasResult = object.value(QStringLiteral("has_result")).toBool();
    result.result = object.value(QStringLiteral("result"));
    result.resultTruncated = object.value(QStringLiteral("result_truncated")).toBool();
    result.displays = object.value(QStringLiteral("displays")).toArray();
    const QJsonValue errorValue = object.value(QStringLiteral("error"));
    if (errorValue.isObject()) {
        const ErrorInfo info = ErrorInfo::fromJson(errorValue.toObject());
        if (info.type.isEmpty()) {
            *error = tr("the runner reported an error without a type");
            return std::nullopt;
        }
        result.error = info;
    } else if (!errorValue.isNull() && !errorValue.isUndefined()) {
        *error = tr("the runner's error field is neither an object nor null");
        return std::nullopt;
    }
    return result;
}

} // namespace pysandbox::runner
