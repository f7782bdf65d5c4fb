#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QNetworkRequest>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVersionNumber>

#include <optional>

// The JSON-RPC side of the microsandbox 0.2.x server (microsandbox-0.2-protocol.md §2): request
// bodies for every method, and the three error shapes of §2.3 told apart. Pure: nothing here
// sends anything; the engine hands the bodies to QNetworkAccessManager.
namespace pysandbox::msb {

inline constexpr auto kRpcPath = "/api/v1/rpc";
inline constexpr auto kHealthPath = "/api/v1/health";
// axum's default `Json` body limit (§2.2, INFERRED): a bigger request gets a 413, so it is
// refused here with a clearer message before it is sent.
constexpr qsizetype kMaxRequestBodyBytes = 2 * 1024 * 1024;

// The version line this client speaks. 0.3+ has no server at all (§0).
bool isSupportedServerVersion(const QVersionNumber &version);

enum class Method { Start, Stop, Metrics, ReplRun, CommandRun };
// The wire name: metrics and command.run had other names before 0.2.2 (§2.4).
QString methodName(Method method, const QVersionNumber &serverVersion);

enum class NameKind { Sandbox, Namespace };
// The server's validate_sandbox_name/validate_namespace (§2.4): 1–63 bytes of [A-Za-z0-9_-],
// starting alphanumeric. Returns the server's own message for a bad name, or an empty string.
QString nameProblem(const QString &name, NameKind kind);

// sandbox.start's "config" (§6). A field left at its zero value is not sent.
struct SandboxConfig
{
    QString image = QStringLiteral("microsandbox/python"); // required: without it the server ignores config
    int memoryMib = 0;
    int cpus = 0;          // the server takes an integer only
    QStringList envs;      // "KEY=VALUE"
    QString workdir;
};

struct RpcRequest
{
    quint64 id = 0;     // the JSON-RPC id, also what parseResponse() must see echoed
    Method method = Method::Start;
    QString methodName;
    QByteArray body;    // compact JSON, ready for POST kRpcPath
};

// Builds request bodies, numbering them from one counter (so two replies can never be
// mistaken for each other). One builder per server connection, used from one thread.
class RpcRequestBuilder
{
public:
    explicit RpcRequestBuilder(QVersionNumber serverVersion = QVersionNumber(0, 2, 6));

    const QVersionNumber &serverVersion() const { return m_version; }
    quint64 lastId() const { return m_nextId - 1; }

    // Each returns nullopt with *error set when the server would refuse the parameters (bad
    // names, "*" where it is not allowed, malformed envs, a body over kMaxRequestBodyBytes).
    // A refused request consumes no id.
    std::optional<RpcRequest> start(const QString &ns, const QString &sandbox, const SandboxConfig &config, QString *error);
    std::optional<RpcRequest> stop(const QString &ns, const QString &sandbox, QString *error);
    // `ns` may be "*" (every namespace); an empty `sandbox` lists every sandbox in it.
    std::optional<RpcRequest> metrics(const QString &ns, const QString &sandbox, QString *error);
    // `timeoutSeconds` is required and must be ≥ 1: without it a hung REPL blocks forever (§2.4).
    std::optional<RpcRequest> replRun(const QString &ns, const QString &sandbox, const QString &code, int timeoutSeconds, QString *error);
    // `timeoutSeconds` 0 sends none.
    std::optional<RpcRequest> commandRun(const QString &ns, const QString &sandbox, const QString &command,
                                         const QStringList &args, int timeoutSeconds, QString *error);

private:
    std::optional<RpcRequest> make(Method method, const QJsonObject &params, QString *error);

    QVersionNumber m_version;
    quint64 m_nextId = 1;
};

// The HTTP request for a body: POST <server>/api/v1/rpc, JSON content type, and the key as
// "Authorization: Bearer <key>" (no header at all for an empty key, i.e. a --dev server).
// The engine must also give its QNetworkAccessManager QNetworkProxy::NoProxy (§7: a proxy in
// between answers 502).
QNetworkRequest rpcNetworkRequest(const QUrl &server, const QString &apiKey);

enum class ErrorKind {
    JsonRpcError,  // HTTP 400/404 with a JSON-RPC error object (bad "jsonrpc", unknown method)
    ServerError,   // HTTP 4xx/5xx with {"error": "...", "code": N} (not JSON-RPC, no id)
    HttpPlainText, // axum's own text/plain refusals: 400, 404, 405, 413, 415, 422
    Unauthorized,  // HTTP 401: no key, not an msb_ key, bad signature, expired
    BadGateway,    // 502/503/504/407: something other than msbserver answered (an HTTP proxy)
    Garbage,       // not JSON, wrong shape for the status, wrong "jsonrpc", wrong id
    EmptyBody,     // a status with no body (axum's 404/405 for unknown routes, or a dropped reply)
    // The transport's own failures (MsbClient), where no HTTP status came back at all:
    Unreachable,   // connection refused, no route, unknown host: the server is not running there
    Dropped,       // the connection closed (or reset) before a complete answer
    Timeout,       // no answer within the request's time limit
    Cancelled,     // the caller gave up (a run was stopped)
    NotSent,       // refused before sending: bad parameters, body too large, no usable key
};
QString errorKindName(ErrorKind kind);

// The "code" of the {"error","code"} envelope (§2.3 table).
enum class ServerCode {
    None = 0,                  // "code": null
    InvalidCredentials = 1001, // 401: no key, no msb_ prefix
    InvalidToken = 1004,       // 401: bad signature, expired, malformed JWT
    InvalidInput = 2001,       // 400: the server's validation message, verbatim
    AccessDenied = 3001,       // 403: the key's namespace does not cover the request's
    NotFound = 4001,           // 404: not emitted by any RPC path in 0.2.x
    Internal = 5002,           // 500: anything failed inside; details only in msbserver's log
    Other = -1,                // a number this client does not know
};

struct RpcError
{
    ErrorKind kind = ErrorKind::Garbage;
    int httpStatus = 0;
    qint64 code = 0;                     // JSON-RPC error code, or the envelope's code (0 if null)
    ServerCode serverCode = ServerCode::None;
    QString serverText;                  // what the server said (JSON-RPC message, "error", plain text), cut
    QJsonValue data;                     // JSON-RPC "data", when present
    QString message;                     // a sentence for the user: what happened, what to do

    // 401 with 1004 (or no envelope): a freshly minted key may fix it.
    bool tokenRejected() const { return kind == ErrorKind::Unauthorized && serverCode != ServerCode::InvalidCredentials; }
};

struct RpcResponse
{
    bool ok = false;
    QJsonValue result; // when ok: the JSON-RPC "result" (start/stop: a string, others: objects)
    RpcError error;    // when not ok
};

// Classifies one HTTP reply to the request numbered `expectedId`. The shape must match the
// status exactly as §2.3 says it does; anything else is Garbage (another server, a proxy, or a
// bug in an emulator), never a success.
RpcResponse parseResponse(int httpStatus, const QByteArray &contentType, const QByteArray &body, quint64 expectedId);

} // namespace pysandbox::msb
