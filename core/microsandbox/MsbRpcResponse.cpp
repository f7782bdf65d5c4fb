// The reply half of MsbRpc.h: which of §2.3's shapes came with which status, and what it means.
#include "MsbRpc.h"

#include "util/JsonText.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QVariant>

namespace pysandbox::msb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::msb", text);
}

const QLatin1String kWildcard("*");

// What the server said, cut for a message: its texts are short, but a proxy may send a page.
QString shortText(const QByteArray &bytes)
{
    QString text = QString::fromUtf8(bytes).simplified();
    return text.size() > 300 ? text.left(299) + QChar(0x2026) : text;
}

QByteArray mediaType(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
}

// Qt keeps integral JSON numbers as qint64; anything else (1.5, 2^64, "1") is not an id or a code.
std::optional<qint64> integer(const QJsonValue &value)
{
    if (!value.isDouble() || value.toVariant().typeId() != QMetaType::LongLong)
        return std::nullopt;
    return value.toInteger();
}

RpcResponse failure(ErrorKind kind, int status, const QString &message, const QString &serverText = {})
{
    RpcResponse response;
    response.error.kind = kind;
    response.error.httpStatus = status;
    response.error.message = message;
    response.error.serverText = serverText;
    return response;
}

RpcResponse garbage(int status, const QString &what)
{
    return failure(ErrorKind::Garbage, status,
                   tr("The answer (HTTP %1) is not one a microsandbox 0.2 server sends: %2. Is something else "
                      "listening at this address?").arg(status).arg(what));
}

QString plainTextMessage(int status, const QString &text)
{
    switch (status) {
    case 400:
        return tr("The server could not read the request as JSON (HTTP 400: %1). This is a PySandbox bug.").arg(text);
    case 404:
        return tr("Nothing answers JSON-RPC at this address (HTTP 404: %1): check the server's URL and port.").arg(text);
    case 405:
        return tr("The server does not take this HTTP method here (HTTP 405: %1). This is a PySandbox bug.").arg(text);
    case 413:
        return tr("The request is larger than the server accepts (HTTP 413, about 2 MiB): make the code or the "
                  "inputs smaller.");
    case 415:
        return tr("The server wants \"Content-Type: application/json\" (HTTP 415: %1). This is a PySandbox bug.").arg(text);
    default: // 422
        return tr("The server could not use the request's JSON (HTTP 422: %1). This is a PySandbox bug.").arg(text);
    }
}

// The status §2.3's table gives each known code; 401 is handled before this is asked.
int statusOf(ServerCode code)
{
    switch (code) {
    case ServerCode::InvalidCredentials:
    case ServerCode::InvalidToken:
        return 401;
    case ServerCode::InvalidInput:
        return 400;
    case ServerCode::AccessDenied:
        return 403;
    case ServerCode::NotFound:
        return 404;
    case ServerCode::Internal:
        return 500;
    case ServerCode::None:
    case ServerCode::Other:
        break;
    }
    return 0;
}

ServerCode serverCodeOf(const QJsonValue &code)
{
    if (code.isNull())
        return ServerCode::None;
    switch (code.toInteger()) {
    case 1001: return ServerCode::InvalidCredentials;
    case 1004: return ServerCode::InvalidToken;
    case 2001: return ServerCode::InvalidInput;
    case 3001: return ServerCode::AccessDenied;
    case 4001: return ServerCode::NotFound;
    case 5002: return ServerCode::Internal;
    default: return ServerCode::Other;
    }
}

QString serverErrorMessage(ServerCode code, int status, qint64 number, const QString &text)
{
    switch (code) {
    case ServerCode::InvalidInput:
        return tr("The server refused the request: %1").arg(text);
    case ServerCode::AccessDenied:
        return tr("The API key is limited to another namespace (HTTP 403 Access denied): use a key minted for this "
                  "namespace or for \"*\".");
    case ServerCode::NotFound:
        return tr("The server did not find it: %1").arg(text);
    case ServerCode::Internal:
        return tr("The microsandbox server failed inside (HTTP 500) and keeps the reason in its own log. Usual "
                  "causes: the image could not be pulled, the micro-VM could not start (is /dev/kvm usable?), or "
                  "the sandbox is not up yet.");
    default:
        return tr("The server refused the request (HTTP %1, code %2): %3").arg(status).arg(number).arg(text);
    }
}

RpcResponse unauthorized(const QJsonObject &envelope)
{
    const QJsonValue code = envelope.value(QStringLiteral("code"));
    const ServerCode known = integer(code) ? serverCodeOf(code) : ServerCode::None;
    QString message;
    if (known == ServerCode::InvalidCredentials)
        message = tr("The server did not accept the API key (Invalid credentials): none was sent or it does not "
                     "start with msb_. The raw server.key is not an API key: create one with `msb server keygen` "
                     "or let PySandbox mint one.");
    else if (known == ServerCode::InvalidToken)
        message = tr("The server rejected the API key as invalid or expired: mint a new one (keys made before "
                     "the server key was reset no longer work).");
    else
        message = tr("The server refused the request as unauthorised (HTTP 401): set an API key.");
    RpcResponse response = failure(ErrorKind::Unauthorized, 401, message,
                                   envelope.value(QStringLiteral("error")).toString());
    response.error.serverCode = known;
    response.error.code = integer(code).value_or(0);
    return response;
}

RpcResponse jsonRpcReply(int status, const QJsonObject &object, quint64 expectedId)
{
    if (object.value(QStringLiteral("jsonrpc")) != QLatin1String("2.0"))
        return garbage(status, tr("its \"jsonrpc\" is not \"2.0\""));
    const std::optional<qint64> id = integer(object.value(QStringLiteral("id")));
    if (!id || quint64(*id) != expectedId)
        return garbage(status, tr("it answers another request (id %1, expected %2)")
                                   .arg(compactJson(object.value(QStringLiteral("id")))) // absent: null
                                   .arg(expectedId));
    const bool hasResult = object.contains(QStringLiteral("result"));
    const QJsonValue error = object.value(QStringLiteral("error"));
    if (status == 200) {
        if (!hasResult || object.contains(QStringLiteral("error")))
            return garbage(status, tr("a success without exactly one \"result\""));
        RpcResponse response;
        response.ok = true;
        response.result = object.value(QStringLiteral("result"));
        return response;
    }
    // §2.3: the server uses the JSON-RPC error object for two cases only, 400 and 404.
    const std::optional<qint64> code = integer(error.toObject().value(QStringLiteral("code")));
    const QJsonValue text = error.toObject().value(QStringLiteral("message"));
    if ((status != 400 && status != 404) || hasResult || !code || !text.isString())
        return garbage(status, tr("a JSON-RPC error object with the wrong status or shape"));
    QString message;
    if (*code == -32601)
        message = tr("The server does not know this method (%1): it is not the microsandbox 0.2 version PySandbox "
                     "was set up for. Check `msb --version`.").arg(text.toString());
    else if (*code == -32600)
        message = tr("The server refused the request's JSON-RPC envelope (%1). This is a PySandbox bug.").arg(text.toString());
    else
        message = tr("The server answered with JSON-RPC error %1: %2").arg(*code).arg(text.toString());
    RpcResponse response = failure(ErrorKind::JsonRpcError, status, message, text.toString());
    response.error.code = *code;
    response.error.data = error.toObject().value(QStringLiteral("data"));
    return response;
}

RpcResponse serverEnvelope(int status, const QJsonObject &object)
{
    const QJsonValue text = object.value(QStringLiteral("error"));
    const QJsonValue code = object.value(QStringLiteral("code"));
    if (object.size() != 2 || !text.isString() || !(code.isNull() || integer(code)))
        return garbage(status, tr("neither a JSON-RPC reply nor an {\"error\", \"code\"} object"));
    if (status < 400 || status > 599)
        return garbage(status, tr("an error object with a success status"));
    const ServerCode known = serverCodeOf(code);
    if (statusOf(known) != 0 && statusOf(known) != status)
        return garbage(status, tr("error code %1 comes with another status").arg(code.toInteger()));
    RpcResponse response = failure(ErrorKind::ServerError, status,
                                   serverErrorMessage(known, status, code.toInteger(), shortText(text.toString().toUtf8())),
                                   text.toString());
    response.error.serverCode = known;
    response.error.code = code.toInteger();
    return response;
}

} // namespace

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::JsonRpcError: return QStringLiteral("json_rpc_error");
    case ErrorKind::ServerError: return QStringLiteral("server_error");
    case ErrorKind::HttpPlainText: return QStringLiteral("http_plain_text");
    case ErrorKind::Unauthorized: return QStringLiteral("unauthorized");
    case ErrorKind::BadGateway: return QStringLiteral("bad_gateway");
    case ErrorKind::Garbage: return QStringLiteral("garbage");
    case ErrorKind::EmptyBody: return QStringLiteral("empty_body");
    case ErrorKind::Unreachable: return QStringLiteral("unreachable");
    case ErrorKind::Dropped: return QStringLiteral("dropped");
    case ErrorKind::Timeout: return QStringLiteral("timeout");
    case ErrorKind::Cancelled: return QStringLiteral("cancelled");
    case ErrorKind::NotSent: return QStringLiteral("not_sent");
    }
    return {};
}

RpcResponse parseResponse(int httpStatus, const QByteArray &contentType, const QByteArray &body, quint64 expectedId)
{
    const int status = httpStatus;
    // msbserver never sends these itself (it turns a portal's 502 into 500): a proxy answered.
    if (status == 407 || status == 502 || status == 503 || status == 504)
        return failure(ErrorKind::BadGateway, status,
                       tr("An HTTP proxy or gateway answered instead of the microsandbox server (HTTP %1). The "
                          "local server must be reached without a proxy: unset HTTP_PROXY/http_proxy or add "
                          "127.0.0.1 to NO_PROXY, also for msbserver itself.").arg(status),
                       shortText(body));
    const QByteArray media = mediaType(contentType);
    const bool json = media == "application/json" || media.endsWith("+json");
    QJsonParseError parseError{};
    const QJsonDocument document = json ? QJsonDocument::fromJson(body, &parseError) : QJsonDocument();
    // Auth runs before anything else on the server (§2.2), so a 401 is about the key whatever the body.
    if (status == 401)
        return unauthorized(document.object());
    if (body.trimmed().isEmpty()) {
        if (status == 404 || status == 405)
            return failure(ErrorKind::EmptyBody, status,
                           tr("Nothing answers JSON-RPC at this address (HTTP %1 without a body): check the "
                              "server's URL and port. microsandbox 0.3 and later have no server at all.").arg(status));
        return failure(ErrorKind::EmptyBody, status,
                       tr("The server answered HTTP %1 without a body: the answer was lost or something else is "
                          "listening at this address.").arg(status));
    }
    if (media == "text/plain") {
        if (status == 400 || status == 404 || status == 405 || status == 413 || status == 415 || status == 422)
            return failure(ErrorKind::HttpPlainText, status, plainTextMessage(status, shortText(body)), shortText(body));
        return garbage(status, tr("plain text"));
    }
    if (!json)
        return garbage(status, tr("its content type is \"%1\"").arg(QString::fromLatin1(contentType)));
    if (parseError.error != QJsonParseError::NoError)
        return garbage(status, tr("its JSON is broken (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return garbage(status, tr("its JSON is not an object"));
    const QJsonObject object = document.object();
    if (object.contains(QStringLiteral("jsonrpc")))
        return jsonRpcReply(status, object, expectedId);
    return serverEnvelope(status, object);
}

} // namespace pysandbox::msb
