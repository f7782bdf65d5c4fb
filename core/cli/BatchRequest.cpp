#include "BatchRequest.h"

#include "util/JsonText.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::cli", text);
}

QString lineError(qint64 lineNumber, const QString &message)
{
    return tr("line %1: %2").arg(QString::number(lineNumber), message);
}

} // namespace

BatchLine oversizedBatchLine(qint64 lineNumber)
{
    BatchLine line;
    line.error = lineError(lineNumber, tr("the line is longer than %1 MiB; it was skipped").arg(kMaxBatchLineBytes >> 20));
    return line;
}

BatchLine parseBatchLine(const QByteArray &line, qint64 lineNumber, const ExecutionOptions &defaults)
{
    BatchLine parsed;
    const auto fail = [&parsed, lineNumber](const QString &message) {
        parsed.error = lineError(lineNumber, message);
        return parsed;
    };
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(tr("not valid JSON: %1 at character %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return fail(tr("a request must be a JSON object like {\"id\": 1, \"code\": \"result = 1\"}"));
    const QJsonObject object = document.object();
    // The id first, so that every later complaint about this line can carry it.
    if (const QJsonValue id = object.value(QStringLiteral("id")); id.isString())
        parsed.request.id = id.toString();
    else if (id.isDouble())
        parsed.request.id = compactJson(id);
    else if (!id.isUndefined())
        return fail(tr("\"id\" must be a string or a number"));
    // Unknown names are refused rather than ignored: a typo ("option", "timeout") would
    // otherwise run the snippet with limits the caller did not mean.
    static const QStringList fields{QStringLiteral("id"), QStringLiteral("code"), QStringLiteral("inputs"), QStringLiteral("options")};
    for (const QString &key : object.keys())
        if (!fields.contains(key))
            return fail(tr("unknown field \"%1\" (a request has id, code, inputs and options)").arg(key));
    const QJsonValue code = object.value(QStringLiteral("code"));
    if (code.isUndefined())
        return fail(tr("\"code\" is missing"));
    if (!code.isString())
        return fail(tr("\"code\" must be a string"));
    const QJsonValue inputs = object.value(QStringLiteral("inputs"));
    if (!inputs.isUndefined() && !inputs.isObject())
        return fail(tr("\"inputs\" must be a JSON object"));
    const QJsonValue optionsValue = object.value(QStringLiteral("options"));
    if (!optionsValue.isUndefined() && !optionsValue.isObject())
        return fail(tr("\"options\" must be a JSON object"));
    const QJsonObject options = optionsValue.toObject();
    const QStringList known = ExecutionOptions().toJson().keys();
    for (const QString &key : options.keys())
        if (!known.contains(key))
            return fail(tr("unknown option \"%1\" (known: %2)").arg(key, known.join(QStringLiteral(", "))));
    parsed.request.options = defaults;
    if (QString error; !ExecutionOptions::fromJson(options, &parsed.request.options, &error))
        return fail(error);
    parsed.request.code = code.toString();
    parsed.request.inputs = inputs.toObject();
    return parsed;
}

} // namespace pysandbox
