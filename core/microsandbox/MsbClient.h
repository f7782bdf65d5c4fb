#pragma once

#include "MsbRpc.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>

class QNetworkReply;

// The microsandbox 0.2.x server over HTTP (microsandbox-0.2-protocol.md §2, §3): every method,
// the health route, API-key renewal, and every way an answer can fail, mapped to RpcResponse.
// Fully asynchronous: nothing here waits; each call is an MsbCall that finishes exactly once.
namespace pysandbox::msb {

// Where API keys come from. A key the server rejects is replaced once per call by a fresh one
// minted from server.key, when the user allowed that (§3.2: the same key `msb server keygen`
// prints; it needs read access to the server's secret, which only its owner has).
struct Credentials
{
    QString apiKey;              // "msb_…"; empty: none sent (a --dev server needs none)
    QString serverKeyFile;       // ~/.microsandbox/server.key, when minting is allowed
    bool mayMint = false;
    QString mintNamespace = QStringLiteral("*");
    qint64 mintLifetimeSeconds = 24 * 60 * 60;
};

struct ClientConfig
{
    QUrl server = QUrl(QStringLiteral("http://127.0.0.1:5555"));
    QVersionNumber serverVersion = QVersionNumber(0, 2, 6);
    int requestTimeoutMs = 30'000;     // health, metrics, stop, commands
    // sandbox.start pulls the image inside the request (§2.4 step 5, §7): minutes, not seconds.
    int startTimeoutMs = 15 * 60'000;
    // A REPL call waits for its snippet: its own `timeout` plus this.
    int replMarginMs = 15'000;
};

class MsbCall : public QObject
{
    Q_OBJECT
public:
    // Gives up: the call finishes with ErrorKind::Cancelled (unless it already finished).
    void abort();
    bool isFinished() const { return m_finished; }
    const RpcResponse &response() const { return m_response; }

Q_SIGNALS:
    // Always emitted from the event loop, never from inside the call that created this object.
    void finished(const pysandbox::msb::RpcResponse &response);

private:
    friend class MsbClient;
    explicit MsbCall(QObject *parent) : QObject(parent) {}
    void finish(const RpcResponse &response);

    QPointer<QNetworkReply> m_reply;
    RpcRequest m_request;
    int m_timeoutMs = 0;
    bool m_health = false;    // GET /api/v1/health rather than a JSON-RPC call
    bool m_renewed = false;   // a 401 already led to one fresh key
    bool m_aborted = false;
    bool m_finished = false;
    RpcResponse m_response;
};

class MsbClient : public QObject
{
    Q_OBJECT
public:
    MsbClient(ClientConfig config, Credentials credentials, QObject *parent = nullptr);

    const ClientConfig &config() const { return m_config; }
    const Credentials &credentials() const { return m_credentials; }
    QString apiKey() const { return m_credentials.apiKey; }
    // 0.2.0 and 0.2.1 name two methods differently (§2.4); found out from `msb --version`.
    void setServerVersion(const QVersionNumber &version);

    // GET /api/v1/health: ok with result "Service is healthy".
    MsbCall *health();
    MsbCall *start(const QString &ns, const QString &sandbox, const SandboxConfig &config);
    MsbCall *stop(const QString &ns, const QString &sandbox);
    MsbCall *metrics(const QString &ns, const QString &sandbox = {});
    MsbCall *replRun(const QString &ns, const QString &sandbox, const QString &code, int timeoutSeconds);
    MsbCall *commandRun(const QString &ns, const QString &sandbox, const QString &command, const QStringList &args,
                        int timeoutSeconds);

    // A problem with the API key that should be shown before anything fails: missing, not
    // parseable, expired, or about to expire within `warnSeconds`, and whether it can be renewed.
    QString keyWarning(qint64 warnSeconds = 24 * 60 * 60) const;

Q_SIGNALS:
    // A key the server rejected (or that had expired) was replaced by a freshly minted one;
    // whoever stores keys may keep it. The key itself is never logged.
    void apiKeyRenewed(const QString &apiKey);

private:
    MsbCall *send(std::optional<RpcRequest> request, const QString &buildError, int timeoutMs);
    void post(MsbCall *call);
    void onReply(MsbCall *call, QNetworkReply *reply);
    bool renewKey(QString *why);
    bool mintingPossible() const { return m_credentials.mayMint && !m_credentials.serverKeyFile.isEmpty(); }

    ClientConfig m_config;
    Credentials m_credentials;
    RpcRequestBuilder m_builder;
    QNetworkAccessManager m_network;
};

// True for 127.0.0.0/8, ::1 and "localhost": the addresses a system proxy must never see.
bool isLoopbackHost(const QString &host);
// An http:// or https:// URL with a host: what the client can send requests to.
bool isServerUrl(const QString &text);

} // namespace pysandbox::msb
