#include "microsandbox/MsbRpc.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace pysandbox::msb;

Q_DECLARE_METATYPE(ErrorKind)
Q_DECLARE_METATYPE(ServerCode)

namespace {

const QByteArray kJson = "application/json";
const QByteArray kText = "text/plain; charset=utf-8";

} // namespace

class TestMsbRpc : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void methodNamesFollowTheVersion();
    void exactRequestBodies();
    void idsComeFromOneCounter();
    void refusedParameters_data();
    void refusedParameters();
    void oversizedBodyIsRefused();
    void networkRequest();
    void successShapes_data();
    void successShapes();
    void errorShapes_data();
    void errorShapes();
};

void TestMsbRpc::methodNamesFollowTheVersion()
{
    const QVersionNumber v020(0, 2, 0), v021(0, 2, 1), v022(0, 2, 2), v026(0, 2, 6);
    QCOMPARE(methodName(Method::Metrics, v020), QStringLiteral("sandbox.getStatus"));
    QCOMPARE(methodName(Method::CommandRun, v021), QStringLiteral("sandbox.command.execute"));
    QCOMPARE(methodName(Method::Metrics, v022), QStringLiteral("sandbox.metrics.get"));
    QCOMPARE(methodName(Method::CommandRun, v026), QStringLiteral("sandbox.command.run"));
    for (const QVersionNumber &version : {v020, v026}) { // never renamed
        QCOMPARE(methodName(Method::Start, version), QStringLiteral("sandbox.start"));
        QCOMPARE(methodName(Method::Stop, version), QStringLiteral("sandbox.stop"));
        QCOMPARE(methodName(Method::ReplRun, version), QStringLiteral("sandbox.repl.run"));
    }
    QVERIFY(isSupportedServerVersion(v020));
    QVERIFY(isSupportedServerVersion(v026));
    QVERIFY(!isSupportedServerVersion(QVersionNumber(0, 3, 0)));
    QVERIFY(!isSupportedServerVersion(QVersionNumber(0, 1, 9)));
}

// The bodies byte for byte (Qt writes keys sorted; the server does not care about order).
void TestMsbRpc::exactRequestBodies()
{
    RpcRequestBuilder builder;
    QString error;
    SandboxConfig config; // the Python SDK's start (§2.4): image, memory 512, 1 CPU
    config.memoryMib = 512;
    config.cpus = 1;
    const auto start = builder.start(QStringLiteral("default"), QStringLiteral("sandbox-1a2b3c4d"), config, &error);
    QVERIFY2(start, qPrintable(error));
    QCOMPARE(start->body, QByteArray(R"({"id":1,"jsonrpc":"2.0","method":"sandbox.start","params":{"config":{"cpus":1,)"
                                     R"("image":"microsandbox/python","memory":512},"namespace":"default","sandbox":"sandbox-1a2b3c4d"}})"));
    SandboxConfig full = config;
    full.envs = QStringList{QStringLiteral("A=1"), QStringLiteral("B=x=y")};
    full.workdir = QStringLiteral("/work");
    QCOMPARE(builder.start(QStringLiteral("ns"), QStringLiteral("s"), full, &error)->body,
             QByteArray(R"({"id":2,"jsonrpc":"2.0","method":"sandbox.start","params":{"config":{"cpus":1,"envs":["A=1","B=x=y"],)"
                        R"("image":"microsandbox/python","memory":512,"workdir":"/work"},"namespace":"ns","sandbox":"s"}})"));
    // Without an image there is no config at all: the server restarts the stored entry.
    QCOMPARE(builder.start(QStringLiteral("ns"), QStringLiteral("s"), SandboxConfig{QString(), 0, 0, {}, {}}, &error)->body,
             QByteArray(R"({"id":3,"jsonrpc":"2.0","method":"sandbox.start","params":{"namespace":"ns","sandbox":"s"}})"));
    QCOMPARE(builder.stop(QStringLiteral("default"), QStringLiteral("s1"), &error)->body,
             QByteArray(R"({"id":4,"jsonrpc":"2.0","method":"sandbox.stop","params":{"namespace":"default","sandbox":"s1"}})"));
    QCOMPARE(builder.metrics(QStringLiteral("*"), QString(), &error)->body,
             QByteArray(R"({"id":5,"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"}})"));
    QCOMPARE(builder.metrics(QStringLiteral("default"), QStringLiteral("s1"), &error)->body,
             QByteArray(R"({"id":6,"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"default","sandbox":"s1"}})"));
    QCOMPARE(builder.replRun(QStringLiteral("default"), QStringLiteral("s1"), QStringLiteral("print('hi')\n\"\\"), 30, &error)->body,
             QByteArray(R"({"id":7,"jsonrpc":"2.0","method":"sandbox.repl.run","params":{"code":"print('hi')\n\"\\",)"
                        R"("language":"python","namespace":"default","sandbox":"s1","timeout":30}})"));
    QCOMPARE(builder.commandRun(QStringLiteral("default"), QStringLiteral("s1"), QStringLiteral("ls"), {QStringLiteral("-la")}, 0, &error)->body,
             QByteArray(R"({"id":8,"jsonrpc":"2.0","method":"sandbox.command.run","params":{"args":["-la"],"command":"ls",)"
                        R"("namespace":"default","sandbox":"s1"}})"));
    QCOMPARE(builder.commandRun(QStringLiteral("default"), QStringLiteral("s1"), QStringLiteral("true"), {}, 5, &error)->body,
             QByteArray(R"({"id":9,"jsonrpc":"2.0","method":"sandbox.command.run","params":{"args":[],"command":"true",)"
                        R"("namespace":"default","sandbox":"s1","timeout":5}})"));

    RpcRequestBuilder old(QVersionNumber(0, 2, 1));
    QCOMPARE(old.metrics(QStringLiteral("default"), QString(), &error)->body,
             QByteArray(R"({"id":1,"jsonrpc":"2.0","method":"sandbox.getStatus","params":{"namespace":"default"}})"));
    const auto execute = old.commandRun(QStringLiteral("default"), QStringLiteral("s1"), QStringLiteral("ls"), {}, 0, &error);
    QCOMPARE(execute->methodName, QStringLiteral("sandbox.command.execute"));
    QCOMPARE(execute->method, Method::CommandRun);
    QCOMPARE(execute->body,
             QByteArray(R"({"id":2,"jsonrpc":"2.0","method":"sandbox.command.execute","params":{"args":[],"command":"ls",)"
                        R"("namespace":"default","sandbox":"s1"}})"));
}

void TestMsbRpc::idsComeFromOneCounter()
{
    RpcRequestBuilder builder;
    QString error;
    QCOMPARE(builder.lastId(), quint64(0));
    QCOMPARE(builder.stop(QStringLiteral("a"), QStringLiteral("b"), &error)->id, quint64(1));
    QCOMPARE(builder.metrics(QStringLiteral("a"), QString(), &error)->id, quint64(2));
    QVERIFY(!builder.stop(QStringLiteral("*"), QStringLiteral("b"), &error)); // refused: no id used
    QCOMPARE(builder.replRun(QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("1"), 1, &error)->id, quint64(3));
    QCOMPARE(builder.lastId(), quint64(3));
}

void TestMsbRpc::refusedParameters_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("ns");
    QTest::addColumn<QString>("sandbox");
    QTest::addColumn<QString>("messagePart");
    // which: 0 start, 1 stop, 2 metrics, 3 repl, 4 command, 5 start with bad config
    QTest::newRow("wildcard start") << 0 << QStringLiteral("*") << QStringLiteral("s") << QStringLiteral("Wildcard namespace (*)");
    QTest::newRow("wildcard stop") << 1 << QStringLiteral("*") << QStringLiteral("s") << QStringLiteral("Wildcard namespace (*)");
    QTest::newRow("wildcard repl") << 3 << QStringLiteral("*") << QStringLiteral("s") << QStringLiteral("Wildcard namespace (*)");
    QTest::newRow("empty sandbox") << 1 << QStringLiteral("ns") << QString() << QStringLiteral("Sandbox name cannot be empty");
    QTest::newRow("long sandbox") << 1 << QStringLiteral("ns") << QString(64, u'a') << QStringLiteral("cannot exceed 63");
    QTest::newRow("slash in name") << 1 << QStringLiteral("ns") << QStringLiteral("a/b") << QStringLiteral("can only contain");
    QTest::newRow("non-ASCII name") << 1 << QStringLiteral("ns") << QStringLiteral("caf\u00e9") << QStringLiteral("can only contain");
    QTest::newRow("leading dash") << 1 << QStringLiteral("ns") << QStringLiteral("-a") << QStringLiteral("must start with");
    QTest::newRow("bad namespace") << 2 << QStringLiteral("_x") << QString() << QStringLiteral("Namespace must start with");
    QTest::newRow("empty namespace") << 2 << QString() << QString() << QStringLiteral("Namespace cannot be empty");
    QTest::newRow("bad metrics filter") << 2 << QStringLiteral("*") << QStringLiteral("a b") << QStringLiteral("Sandbox name can only");
    QTest::newRow("no REPL timeout") << 3 << QStringLiteral("ns") << QStringLiteral("s") << QStringLiteral("timeout");
    QTest::newRow("no command") << 4 << QStringLiteral("ns") << QStringLiteral("s") << QStringLiteral("program");
    QTest::newRow("env without =") << 5 << QStringLiteral("ns") << QStringLiteral("s") << QStringLiteral("KEY=VALUE");
}

void TestMsbRpc::refusedParameters()
{
    QFETCH(int, which);
    QFETCH(QString, ns);
    QFETCH(QString, sandbox);
    QFETCH(QString, messagePart);
    RpcRequestBuilder builder;
    QString error;
    std::optional<RpcRequest> request;
    SandboxConfig badEnv;
    badEnv.envs = {QStringLiteral("=x")};
    switch (which) {
    case 0: request = builder.start(ns, sandbox, SandboxConfig(), &error); break;
    case 1: request = builder.stop(ns, sandbox, &error); break;
    case 2: request = builder.metrics(ns, sandbox, &error); break;
    case 3: request = builder.replRun(ns, sandbox, QStringLiteral("1"), ns == QLatin1String("*") ? 5 : 0, &error); break;
    case 4: request = builder.commandRun(ns, sandbox, QString(), {}, 0, &error); break;
    default: request = builder.start(ns, sandbox, badEnv, &error); break;
    }
    QVERIFY(!request);
    QVERIFY2(error.contains(messagePart), qPrintable(error));
    QCOMPARE(builder.lastId(), quint64(0));
}

void TestMsbRpc::oversizedBodyIsRefused()
{
    RpcRequestBuilder builder;
    QString error;
    QVERIFY(builder.replRun(QStringLiteral("a"), QStringLiteral("b"), QString(kMaxRequestBodyBytes - 200, u'x'), 5, &error));
    QVERIFY(!builder.replRun(QStringLiteral("a"), QStringLiteral("b"), QString(kMaxRequestBodyBytes, u'x'), 5, &error));
    QVERIFY2(error.contains(QStringLiteral("KiB")), qPrintable(error));
    // JSON escaping counts: 700 Ki quotes are 1.4 MiB of "\"".
    QVERIFY(!builder.replRun(QStringLiteral("a"), QStringLiteral("b"), QString(1100 * 1024, u'"'), 5, &error));
}

void TestMsbRpc::networkRequest()
{
    const QNetworkRequest request = rpcNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:5555")), QStringLiteral("msb_abc"));
    QCOMPARE(request.url(), QUrl(QStringLiteral("http://127.0.0.1:5555/api/v1/rpc")));
    QCOMPARE(request.header(QNetworkRequest::ContentTypeHeader).toByteArray(), QByteArray("application/json"));
    QCOMPARE(request.rawHeader("Authorization"), QByteArray("Bearer msb_abc"));
    const QNetworkRequest dev = rpcNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:5555/")), QString());
    QVERIFY(!dev.hasRawHeader("Authorization")); // a --dev server: no key at all
    QCOMPARE(dev.url().path(), QStringLiteral("/api/v1/rpc"));
}

// The success bodies of §2.3/§2.4, as the server sends them (keys in its order).
void TestMsbRpc::successShapes_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("expectedResult");
    QTest::newRow("start") << kJson << QByteArray(R"({"jsonrpc":"2.0","result":"Sandbox sandbox-1a2b3c4d started successfully","id":42})")
                           << QByteArray(R"(["Sandbox sandbox-1a2b3c4d started successfully"])");
    QTest::newRow("start timed out") << kJson
        << QByteArray(R"({"jsonrpc":"2.0","result":"Sandbox s was started, but timed out waiting for it to be fully running. It may still be initializing.","id":42})")
        << QByteArray(R"(["Sandbox s was started, but timed out waiting for it to be fully running. It may still be initializing."])");
    QTest::newRow("stop") << QByteArray("application/json; charset=utf-8")
                          << QByteArray(R"({"jsonrpc":"2.0","result":"Sandbox s1 stopped successfully","id":42})")
                          << QByteArray(R"(["Sandbox s1 stopped successfully"])");
    QTest::newRow("metrics") << kJson
        << QByteArray(R"({"jsonrpc":"2.0","result":{"sandboxes":[{"cpu_usage":0.0,"disk_usage":1048576,"memory_usage":87,)"
                      R"("name":"sandbox-1a2b3c4d","namespace":"default","running":true}]},"id":42})")
        << QByteArray(R"([{"sandboxes":[{"cpu_usage":0,"disk_usage":1048576,"memory_usage":87,"name":"sandbox-1a2b3c4d",)"
                      R"("namespace":"default","running":true}]}])");
    QTest::newRow("repl") << kJson
        << QByteArray(R"({"jsonrpc":"2.0","result":{"language":"python","output":[{"stream":"stdout","text":"hi"}],"status":"success"},"id":42})")
        << QByteArray(R"([{"language":"python","output":[{"stream":"stdout","text":"hi"}],"status":"success"}])");
    QTest::newRow("command") << kJson
        << QByteArray(R"({"jsonrpc":"2.0","result":{"args":["-la"],"command":"ls","exit_code":0,"output":[{"stream":"stdout","text":"total 8"}],"success":true},"id":42})")
        << QByteArray(R"([{"args":["-la"],"command":"ls","exit_code":0,"output":[{"stream":"stdout","text":"total 8"}],"success":true}])");
    QTest::newRow("null result") << kJson << QByteArray(R"({"jsonrpc":"2.0","result":null,"id":42})") << QByteArray("[null]");
}

void TestMsbRpc::successShapes()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, expectedResult);
    const RpcResponse response = parseResponse(200, contentType, body, 42);
    QVERIFY2(response.ok, qPrintable(response.error.message));
    QCOMPARE(QJsonDocument(QJsonArray{response.result}).toJson(QJsonDocument::Compact), expectedResult);
}

void TestMsbRpc::errorShapes_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<qint64>("code");
    QTest::addColumn<ServerCode>("serverCode");
    QTest::addColumn<QString>("messagePart");
    const auto row = [](const char *name, int status, const QByteArray &type, const QByteArray &body, ErrorKind kind,
                        qint64 code, ServerCode serverCode, const char *messagePart) {
        QTest::newRow(name) << status << type << body << kind << code << serverCode << QString::fromUtf8(messagePart);
    };
    using K = ErrorKind;
    using S = ServerCode;
    // §2.3 shape 2: the two JSON-RPC error objects.
    row("bad jsonrpc", 400, kJson, R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid or missing jsonrpc version field"},"id":42})",
        K::JsonRpcError, -32600, S::None, "PySandbox bug");
    row("unknown method", 404, kJson, R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: sandbox.metrics.get"},"id":42})",
        K::JsonRpcError, -32601, S::None, "Method not found: sandbox.metrics.get");
    row("json-rpc data", 400, kJson, R"({"jsonrpc":"2.0","error":{"code":-1,"message":"m","data":{"x":1}},"id":42})",
        K::JsonRpcError, -1, S::None, "error -1");
    // §2.3 shape 3: the {"error","code"} envelope, one row per code.
    row("invalid credentials", 401, kJson, R"({"error":"Invalid credentials","code":1001})", K::Unauthorized, 1001,
        S::InvalidCredentials, "keygen");
    row("invalid token", 401, kJson, R"({"error":"Invalid or expired token","code":1004})", K::Unauthorized, 1004,
        S::InvalidToken, "mint a new one");
    row("access denied", 403, kJson, R"({"error":"Access denied","code":3001})", K::ServerError, 3001, S::AccessDenied, "namespace");
    row("validation", 400, kJson, R"({"error":"Sandbox name cannot be empty","code":2001})", K::ServerError, 2001,
        S::InvalidInput, "Sandbox name cannot be empty");
    row("not in config", 400, kJson, R"({"error":"Sandbox 's' not found in existing configuration","code":2001})",
        K::ServerError, 2001, S::InvalidInput, "not found in existing configuration");
    row("not found", 404, kJson, R"({"error":"gone","code":4001})", K::ServerError, 4001, S::NotFound, "gone");
    row("internal", 500, kJson, R"({"error":"Internal server error","code":5002})", K::ServerError, 5002, S::Internal, "/dev/kvm");
    row("null code", 500, kJson, R"({"error":"odd","code":null})", K::ServerError, 0, S::None, "odd");
    row("unknown code", 409, kJson, R"({"error":"busy","code":7777})", K::ServerError, 7777, S::Other, "busy");
    // axum's plain-text refusals (§2.2) and empty bodies (§2.1).
    row("415", 415, kText, "Expected request with `Content-Type: application/json`", K::HttpPlainText, 0, S::None, "Content-Type");
    row("400 syntax", 400, kText, "Failed to parse the request body as JSON: EOF", K::HttpPlainText, 0, S::None, "as JSON");
    row("422", 422, kText, "Failed to deserialize the JSON body into the target type: missing field `method`",
        K::HttpPlainText, 0, S::None, "missing field");
    row("413", 413, kText, "length limit exceeded", K::HttpPlainText, 0, S::None, "smaller");
    row("405 text", 405, kText, "Method Not Allowed", K::HttpPlainText, 0, S::None, "HTTP method");
    row("404 text", 404, kText, "Not Found", K::HttpPlainText, 0, S::None, "URL");
    row("404 empty", 404, QByteArray(), QByteArray(), K::EmptyBody, 0, S::None, "URL");
    row("405 empty", 405, QByteArray(), QByteArray(), K::EmptyBody, 0, S::None, "URL");
    row("200 empty", 200, kJson, QByteArray(), K::EmptyBody, 0, S::None, "without a body");
    row("500 whitespace", 500, kJson, " \r\n", K::EmptyBody, 0, S::None, "without a body");
    // 401 is about the key whatever comes with it; proxies in between.
    row("401 empty", 401, QByteArray(), QByteArray(), K::Unauthorized, 0, S::None, "API key");
    row("401 html", 401, "text/html", "<h1>no</h1>", K::Unauthorized, 0, S::None, "API key");
    row("502 proxy", 502, "text/html", "<html>Bad Gateway</html>", K::BadGateway, 0, S::None, "NO_PROXY");
    row("503", 503, QByteArray(), QByteArray(), K::BadGateway, 0, S::None, "proxy");
    row("504", 504, kText, "timeout", K::BadGateway, 0, S::None, "proxy");
    row("407", 407, kText, "auth", K::BadGateway, 0, S::None, "proxy");
    // Garbage: wrong shape for the status, wrong id, wrong jsonrpc, not JSON at all.
    row("not json", 200, kJson, "hello", K::Garbage, 0, S::None, "broken");
    row("truncated", 200, kJson, R"({"jsonrpc":"2.0","result":"Sandbox s started succ)", K::Garbage, 0, S::None, "broken");
    row("array", 200, kJson, R"([{"jsonrpc":"2.0","result":1,"id":42}])", K::Garbage, 0, S::None, "not an object");
    row("wrong id", 200, kJson, R"({"jsonrpc":"2.0","result":1,"id":41})", K::Garbage, 0, S::None, "id 41, expected 42");
    row("string id", 200, kJson, R"({"jsonrpc":"2.0","result":1,"id":"42"})", K::Garbage, 0, S::None, "\"42\"");
    row("fractional id", 200, kJson, R"({"jsonrpc":"2.0","result":1,"id":42.5})", K::Garbage, 0, S::None, "another request");
    row("missing id", 200, kJson, R"({"jsonrpc":"2.0","result":1})", K::Garbage, 0, S::None, "id null");
    row("jsonrpc 1.0", 200, kJson, R"({"jsonrpc":"1.0","result":1,"id":42})", K::Garbage, 0, S::None, "\"2.0\"");
    row("jsonrpc number", 200, kJson, R"({"jsonrpc":2.0,"result":1,"id":42})", K::Garbage, 0, S::None, "\"2.0\"");
    row("no result", 200, kJson, R"({"jsonrpc":"2.0","id":42})", K::Garbage, 0, S::None, "result");
    row("result and error", 200, kJson, R"({"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":42})",
        K::Garbage, 0, S::None, "result");
    row("rpc error at 200", 200, kJson, R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"x"},"id":42})",
        K::Garbage, 0, S::None, "result");
    row("rpc error at 500", 500, kJson, R"({"jsonrpc":"2.0","error":{"code":-32603,"message":"x"},"id":42})",
        K::Garbage, 0, S::None, "wrong status");
    row("rpc error without message", 404, kJson, R"({"jsonrpc":"2.0","error":{"code":-32601},"id":42})",
        K::Garbage, 0, S::None, "shape");
    row("envelope at 200", 200, kJson, R"({"error":"x","code":2001})", K::Garbage, 0, S::None, "success status");
    row("code at wrong status", 500, kJson, R"({"error":"Access denied","code":3001})", K::Garbage, 0, S::None, "another status");
    row("auth code at 400", 400, kJson, R"({"error":"Invalid credentials","code":1001})", K::Garbage, 0, S::None, "another status");
    row("extra key", 400, kJson, R"({"error":"x","code":2001,"id":42})", K::Garbage, 0, S::None, "neither");
    row("code a string", 400, kJson, R"({"error":"x","code":"2001"})", K::Garbage, 0, S::None, "neither");
    row("health body", 200, kJson, R"({"message":"Service is healthy"})", K::Garbage, 0, S::None, "neither");
    row("200 plain text", 200, kText, "ok", K::Garbage, 0, S::None, "plain text");
    row("500 plain text", 500, kText, "boom", K::Garbage, 0, S::None, "plain text");
    row("no content type", 200, QByteArray(), R"({"jsonrpc":"2.0","result":1,"id":42})", K::Garbage, 0, S::None, "content type");
    row("html 200", 200, "text/html", "<html></html>", K::Garbage, 0, S::None, "text/html");
    row("no status", 0, QByteArray(), "x", K::Garbage, 0, S::None, "HTTP 0");
}

void TestMsbRpc::errorShapes()
{
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(ErrorKind, kind);
    QFETCH(qint64, code);
    QFETCH(ServerCode, serverCode);
    QFETCH(QString, messagePart);
    const RpcResponse response = parseResponse(status, contentType, body, 42);
    QVERIFY(!response.ok);
    QCOMPARE(errorKindName(response.error.kind), errorKindName(kind));
    QCOMPARE(response.error.httpStatus, status);
    QCOMPARE(response.error.code, code);
    QCOMPARE(int(response.error.serverCode), int(serverCode));
    QVERIFY2(response.error.message.contains(messagePart), qPrintable(response.error.message));
    if (kind == ErrorKind::Unauthorized)
        QCOMPARE(response.error.tokenRejected(), serverCode != ServerCode::InvalidCredentials);
    if (QByteArray(QTest::currentDataTag()) == "json-rpc data")
        QCOMPARE(response.error.data.toObject().value(QStringLiteral("x")).toInt(), 1);
    if (QByteArray(QTest::currentDataTag()) == "invalid token")
        QCOMPARE(response.error.serverText, QStringLiteral("Invalid or expired token"));
}

QTEST_GUILESS_MAIN(TestMsbRpc)
#include "tst_msb_rpc.moc"
