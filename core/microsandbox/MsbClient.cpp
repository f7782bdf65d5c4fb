#include "MsbClient.h"

#include "MsbToken.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTimer>

namespace pysandbox::msb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::msb", text);
}

RpcResponse transportFailure(ErrorKind kind, const QString &message)
{
    RpcResponse response;
    response.error.kind = kind;
    response.error.message = message;
    return response;
}

// GET /api/v1/health (§2.1): 200 {"message":"Service is healthy"}, never authenticated.
RpcResponse parseHealth(int status, const QByteArray &body)
{
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    const QJsonValue message = object.value(QStringLiteral("message"));
    if (status == 200 && message.isString()) {
        RpcResponse response;
        response.ok = true;
        response.result = message;
        return response;
    }
    RpcResponse response = parseResponse(status, QByteArrayLiteral("application/json"), body, 0);
    if (response.ok || response.error.kind == ErrorKind::Garbage)
        response = transportFailure(ErrorKind::Garbage,
                                    tr("Something answers at this address, but not as a microsandbox server's health "
                                       "check does (HTTP %1). Check the server URL.").arg(status));
    response.ok = false;
    response.error.httpStatus = status;
    return response;
}

} // namespace

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

void MsbCall::abort()
{
    if (m_finished)
        return;
    m_aborted = true;
    if (m_reply)
        m_reply->abort(); // finishes through MsbClient::onReply, as Cancelled
    else
        finish(transportFailure(ErrorKind::Cancelled, tr("The request was cancelled.")));
}

void MsbCall::finish(const RpcResponse &response)
{
    if (m_finished)
        return;
    m_finished = true;
    m_response = response;
    Q_EMIT finished(m_response);
    deleteLater();
}

MsbClient::MsbClient(ClientConfig config, Credentials credentials, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_credentials(std::move(credentials)),
      m_builder(m_config.serverVersion)
{
    // A system proxy between us and a loopback server answers 502 for it (§7): never use one
    // there. A remote server keeps whatever proxy the system sets.
    if (isLoopbackHost(m_config.server.host()))
        m_network.setProxy(QNetworkProxy::NoProxy);
    m_network.setAutoDeleteReplies(false);
}

bool isServerUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
        && !url.host().isEmpty();
}

MsbCall *MsbClient::send(std::optional<RpcRequest> request, const QString &buildError, int timeoutMs)
{
    auto *call = new MsbCall(this);
    call->m_timeoutMs = timeoutMs;
    if (!request) {
        const RpcResponse refused = transportFailure(ErrorKind::NotSent, buildError);
        QTimer::singleShot(0, call, [call, refused] { call->finish(refused); });
        return call;
    }
    call->m_request = std::move(*request);
    post(call);
    return call;
}

void MsbClient::post(MsbCall *call)
{
    // An expired key is replaced before the server has to say so, when that is possible.
    if (!m_credentials.apiKey.isEmpty() && mintingPossible()) {
        QString ignored;
        const std::optional<ApiToken> token = parseApiKey(m_credentials.apiKey, &ignored);
        if (token && token->expiresWithin(60))
            renewKey(&ignored);
    }
    QNetworkRequest request = rpcNetworkRequest(m_config.server, m_credentials.apiKey);
    request.setTransferTimeout(call->m_timeoutMs);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply = m_network.post(request, call->m_request.body);
    call->m_reply = reply;
    connect(reply, &QNetworkReply::finished, call, [this, call, reply] { onReply(call, reply); });
}

void MsbClient::setServerVersion(const QVersionNumber &version)
{
    m_config.serverVersion = version;
    m_builder = RpcRequestBuilder(version);
}

MsbCall *MsbClient::health()
{
    auto *call = new MsbCall(this);
    QUrl url = m_config.server;
    url.setPath(QLatin1String(kHealthPath));
    QNetworkRequest request(url);
    request.setTransferTimeout(m_config.requestTimeoutMs);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply = m_network.get(request);
    call->m_reply = reply;
    call->m_health = true;
    call->m_request.methodName = QStringLiteral("health");
    connect(reply, &QNetworkReply::finished, call, [this, call, reply] { onReply(call, reply); });
    return call;
}

void MsbClient::onReply(MsbCall *call, QNetworkReply *reply)
{
    reply->deleteLater();
    call->m_reply = nullptr;
    if (call->m_aborted)
        return call->finish(transportFailure(ErrorKind::Cancelled, tr("The request was cancelled.")));
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QNetworkReply::NetworkError error = reply->error();
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    const QString seconds = QString::number((call->m_timeoutMs + 999) / 1000);
    if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError)
        return call->finish(transportFailure(
            ErrorKind::Timeout, tr("The microsandbox server did not answer %1 within %2 s.")
                                    .arg(call->m_request.methodName, seconds)));
    if (!statusAttribute.isValid()) {
        const bool refused = error == QNetworkReply::ConnectionRefusedError || error == QNetworkReply::HostNotFoundError
            || error == QNetworkReply::NetworkSessionFailedError || error == QNetworkReply::TemporaryNetworkFailureError;
        if (refused)
            return call->finish(transportFailure(
                ErrorKind::Unreachable, tr("No microsandbox server answers at %1 (%2). Start it with `msb server start "
                                           "--detach` or the setup wizard, or check the URL.")
                                            .arg(m_config.server.toDisplayString(), reply->errorString())));
        return call->finish(transportFailure(
            ErrorKind::Dropped, tr("The connection to the microsandbox server closed before it answered (%1). Was the "
                                   "server stopped or restarted?").arg(reply->errorString())));
    }
    const int status = statusAttribute.toInt();
    if (error == QNetworkReply::RemoteHostClosedError || error == QNetworkReply::UnknownNetworkError)
        return call->finish(transportFailure(
            ErrorKind::Dropped, tr("The microsandbox server's answer (HTTP %1) was cut off: the connection closed "
                                   "before all of it arrived.").arg(status)));
    if (call->m_health)
        return call->finish(parseHealth(status, body));

    RpcResponse response = parseResponse(status, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray(),
                                         body, call->m_request.id);
    if (!response.ok && response.error.kind == ErrorKind::Unauthorized && !call->m_renewed && mintingPossible()) {
        call->m_renewed = true;
        QString why;
        if (renewKey(&why))
            return post(call); // once: a second 401 is reported as it is
        response.error.message += QLatin1Char(' ')
            + tr("A fresh key could not be minted from %1: %2").arg(m_credentials.serverKeyFile, why);
    }
    call->finish(response);
}

bool MsbClient::renewKey(QString *why)
{
    QFile file(m_credentials.serverKeyFile);
    if (!file.open(QIODevice::ReadOnly)) {
        *why = file.errorString();
        return false;
    }
    MintOptions options;
    options.ns = m_credentials.mintNamespace;
    options.lifetimeSeconds = m_credentials.mintLifetimeSeconds;
    options.format = tokenFormatFor(m_config.serverVersion);
    const std::optional<QString> key = mintApiKey(file.readAll(), options, why);
    if (!key)
        return false;
    m_credentials.apiKey = *key;
    Q_EMIT apiKeyRenewed(*key);
    return true;
}

QString MsbClient::keyWarning(qint64 warnSeconds) const
{
    const QString renew = mintingPossible() ? tr(" PySandbox will mint a fresh one from %1.").arg(m_credentials.serverKeyFile)
                                            : QString();
    if (m_credentials.apiKey.isEmpty())
        return mintingPossible() ? QString() : tr("No API key is set: only a server started with --dev will answer.");
    QString problem;
    const std::optional<ApiToken> token = parseApiKey(m_credentials.apiKey, &problem);
    if (!token)
        return problem + renew;
    if (token->isExpired())
        return tr("The API key expired on %1.").arg(token->expiry().toString(Qt::ISODate)) + renew;
    if (token->expiresWithin(warnSeconds))
        return tr("The API key expires on %1.").arg(token->expiry().toString(Qt::ISODate)) + renew;
    return {};
}

MsbCall *MsbClient::start(const QString &ns, const QString &sandbox, const SandboxConfig &config)
{
    QString error;
    auto request = m_builder.start(ns, sandbox, config, &error);
    return send(std::move(request), error, m_config.startTimeoutMs);
}

MsbCall *MsbClient::stop(const QString &ns, const QString &sandbox)
{
    QString error;
    auto request = m_builder.stop(ns, sandbox, &error);
    return send(std::move(request), error, m_config.requestTimeoutMs);
}

MsbCall *MsbClient::metrics(const QString &ns, const QString &sandbox)
{
    QString error;
    auto request = m_builder.metrics(ns, sandbox, &error);
    return send(std::move(request), error, m_config.requestTimeoutMs);
}

MsbCall *MsbClient::replRun(const QString &ns, const QString &sandbox, const QString &code, int timeoutSeconds)
{
    QString error;
    auto request = m_builder.replRun(ns, sandbox, code, timeoutSeconds, &error);
    return send(std::move(request), error, timeoutSeconds * 1000 + m_config.replMarginMs);
}

MsbCall *MsbClient::commandRun(const QString &ns, const QString &sandbox, const QString &command,
                               const QStringList &args, int timeoutSeconds)
{
    QString error;
    auto request = m_builder.commandRun(ns, sandbox, command, args, timeoutSeconds, &error);
    const int timeoutMs = (timeoutSeconds > 0 ? timeoutSeconds * 1000 : m_config.requestTimeoutMs) + m_config.replMarginMs;
    return send(std::move(request), error, timeoutMs);
}

} // namespace pysandbox::msb
