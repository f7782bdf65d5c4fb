// The microsandbox client over real loopback HTTP against the TEST EMULATOR: every method, every
// error shape of microsandbox-0.2-protocol.md §2.3 and every transport failure mapped to a typed
// error with a message a person can act on; API keys refused, expired, renewed, out of namespace.
#include "MsbEmulator.h"
#include "TestSupport.h"

#include "microsandbox/MsbClient.h"
#include "microsandbox/MsbToken.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QDir>

using namespace pysandbox;
using namespace pysandbox::msb;
using namespace pysandbox::test;

Q_DECLARE_METATYPE(pysandbox::msb::ErrorKind)

namespace {

RpcResponse await(MsbCall *call, int timeoutMs = 30'000)
{
    RpcResponse response;
    bool done = false;
    QObject::connect(call, &MsbCall::finished, [&](const RpcResponse &answer) {
        response = answer;
        done = true;
    });
    QElapsedTimer clock;
    clock.start();
    while (!done && clock.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!done)
        response.error.message = QStringLiteral("TEST: no answer within %1 ms").arg(timeoutMs);
    return response;
}

QString kindOf(const RpcResponse &response)
{
    return response.ok ? QStringLiteral("ok") : errorKindName(response.error.kind);
}

} // namespace

class TestMsbClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void healthAnswers();
    void everyMethodSucceeds();
    void errorShapes_data();
    void errorShapes();
    void validationMessageComesThrough();
    void tooLargeIsRefusedBeforeSending();
    void timeoutIsItsOwnError();
    void abortEndsTheCallAtOnce();
    void manyCallsAtOnceEachGetTheirTime();
    void nothingListening();
    void missingKeyIsInvalidCredentials();
    void expiredKeyIsRenewedOnce();
    void renewalThatCannotWorkIsReported();
    void otherNamespaceIsDenied();
    void keyWarnings();
    void olderServerNamesItsMethodsDifferently();

private:
    MsbClient *client(Credentials credentials = {}, ClientConfig config = {});
    MsbEmulator m_emulator;
    QString m_key;
};

void TestMsbClient::initTestCase()
{
    QVERIFY2(m_emulator.start(), qPrintable(m_emulator.error()));
    m_key = m_emulator.keygen();
    QVERIFY(m_key.startsWith(QStringLiteral("msb_")));
}

void TestMsbClient::cleanup()
{
    m_emulator.clearFaults();
}

MsbClient *TestMsbClient::client(Credentials credentials, ClientConfig config)
{
    if (credentials.apiKey.isEmpty() && !credentials.mayMint)
        credentials.apiKey = m_key;
    config.server = m_emulator.url();
    return new MsbClient(config, credentials, this);
}

void TestMsbClient::healthAnswers()
{
    const RpcResponse response = await(client()->health());
    QVERIFY2(response.ok, qPrintable(response.error.message));
    QCOMPARE(response.result.toString(), QStringLiteral("Service is healthy"));
}

void TestMsbClient::everyMethodSucceeds()
{
    MsbClient *c = client();
    const QString name = uniqueToken(QStringLiteral("every"));
    const RpcResponse started = await(c->start(QStringLiteral("default"), name, SandboxConfig()));
    QVERIFY2(started.ok, qPrintable(started.error.message));
    QCOMPARE(started.result.toString(), QStringLiteral("Sandbox %1 started successfully").arg(name));

    RpcResponse metrics = await(c->metrics(QStringLiteral("default"), name));
    QVERIFY2(metrics.ok, qPrintable(metrics.error.message));
    const QJsonObject entry = metrics.result.toObject().value(QStringLiteral("sandboxes")).toArray().first().toObject();
    QCOMPARE(entry.value(QStringLiteral("name")).toString(), name);
    QCOMPARE(entry.value(QStringLiteral("running")), QJsonValue(true));

    RpcResponse repl;
    QTRY_VERIFY_WITH_TIMEOUT((repl = await(c->replRun(QStringLiteral("default"), name, QStringLiteral("print(6 * 7)"), 10))).ok, 10'000);
    QCOMPARE(repl.result.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("success"));
    QCOMPARE(repl.result.toObject().value(QStringLiteral("output")).toArray().first().toObject().value(QStringLiteral("text")).toString(),
             QStringLiteral("42"));

    const RpcResponse command = await(c->commandRun(QStringLiteral("default"), name, QStringLiteral("echo"),
                                                    {QStringLiteral("hi there")}, 10));
    QVERIFY2(command.ok, qPrintable(command.error.message));
    QCOMPARE(command.result.toObject().value(QStringLiteral("exit_code")).toInt(-1), 0);
    QCOMPARE(command.result.toObject().value(QStringLiteral("output")).toArray().first().toObject().value(QStringLiteral("text")).toString(),
             QStringLiteral("hi there"));

    const RpcResponse stopped = await(c->stop(QStringLiteral("default"), name));
    QVERIFY2(stopped.ok, qPrintable(stopped.error.message));
    QCOMPARE(stopped.result.toString(), QStringLiteral("Sandbox %1 stopped successfully").arg(name));
}

void TestMsbClient::errorShapes_data()
{
    QTest::addColumn<QJsonObject>("fault");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("says");
    const auto fault = [](const char *kind, QJsonObject extra = {}) {
        extra.insert(QStringLiteral("kind"), QLatin1String(kind));
        return extra;
    };
    const auto plain = [](int status, const char *body) {
        return QJsonObject{{QStringLiteral("kind"), QStringLiteral("status")}, {QStringLiteral("status"), status},
                           {QStringLiteral("body"), QLatin1String(body)},
                           {QStringLiteral("content_type"), QStringLiteral("text/plain; charset=utf-8")}};
    };
    QTest::newRow("500 5002") << fault("envelope") << "server_error" << 500 << "failed inside";
    QTest::newRow("400 2001") << fault("envelope", {{QStringLiteral("status"), 400}, {QStringLiteral("code"), 2001},
                                                    {QStringLiteral("error"), QStringLiteral("Sandbox name cannot be empty")}})
                              << "server_error" << 400 << "Sandbox name cannot be empty";
    QTest::newRow("403 3001") << fault("envelope", {{QStringLiteral("status"), 403}, {QStringLiteral("code"), 3001},
                                                    {QStringLiteral("error"), QStringLiteral("Access denied")}})
                              << "server_error" << 403 << "another namespace";
    QTest::newRow("401 1004") << fault("envelope", {{QStringLiteral("status"), 401}, {QStringLiteral("code"), 1004},
                                                    {QStringLiteral("error"), QStringLiteral("Invalid or expired token")}})
                              << "unauthorized" << 401 << "invalid or expired";
    QTest::newRow("json-rpc -32601") << fault("jsonrpc_error", {{QStringLiteral("status"), 404}, {QStringLiteral("code"), -32601},
                                                                {QStringLiteral("message"), QStringLiteral("Method not found: x")}})
                                     << "json_rpc_error" << 404 << "msb --version";
    QTest::newRow("json-rpc -32600") << fault("jsonrpc_error", {{QStringLiteral("status"), 400}, {QStringLiteral("code"), -32600},
                                                                {QStringLiteral("message"), QStringLiteral("Invalid or missing jsonrpc version field")}})
                                     << "json_rpc_error" << 400 << "PySandbox bug";
    QTest::newRow("404 plain") << plain(404, "") << "empty_body" << 404 << "";
    QTest::newRow("405 plain") << plain(405, "Method Not Allowed") << "http_plain_text" << 405 << "HTTP method";
    QTest::newRow("413 plain") << plain(413, "Failed to buffer the request body: length limit exceeded") << "http_plain_text" << 413 << "smaller";
    QTest::newRow("415 plain") << plain(415, "Expected request with `Content-Type: application/json`") << "http_plain_text" << 415 << "Content-Type";
    QTest::newRow("422 plain") << plain(422, "Failed to deserialize the JSON body into the target type: missing field `method`")
                               << "http_plain_text" << 422 << "422";
    QTest::newRow("garbage") << fault("garbage") << "garbage" << 200 << "Is something else listening";
    QTest::newRow("empty body") << fault("empty") << "empty_body" << 200 << "";
    QTest::newRow("proxy 502") << fault("proxy_502") << "bad_gateway" << 502 << "proxy";
    QTest::newRow("dropped") << fault("drop") << "dropped" << 0 << "closed before it answered";
    QTest::newRow("reset") << fault("reset") << "dropped" << 0 << "closed before it answered";
    QTest::newRow("truncated") << fault("truncate") << "dropped" << 0 << "cut off";
}

void TestMsbClient::errorShapes()
{
    QFETCH(QJsonObject, fault);
    QFETCH(QString, kind);
    QFETCH(int, status);
    QFETCH(QString, says);
    fault.insert(QStringLiteral("method"), QStringLiteral("sandbox.metrics.get"));
    // Qt's HTTP layer sends a request once more by itself when a connection closes before any
    // byte of the answer: a closing fault must outlast that.
    const bool closes = kind == QLatin1String("dropped") && status == 0;
    fault.insert(QStringLiteral("times"), closes ? 10 : 1);
    m_emulator.addFault(fault);
    const RpcResponse response = await(client()->metrics(QStringLiteral("default")));
    if (closes) // one retry at most, so a snippet's call is never sent three times
        QVERIFY(m_emulator.state().value(QStringLiteral("faults")).toArray().first().toObject()
                    .value(QStringLiteral("hits")).toInt() <= 2);
    m_emulator.clearFaults();
    QCOMPARE(kindOf(response), kind);
    if (status > 0)
        QCOMPARE(response.error.httpStatus, status);
    QVERIFY(!response.error.message.isEmpty());
    QVERIFY2(response.error.message.contains(says, Qt::CaseInsensitive), qPrintable(response.error.message));
    // The fault was used up: the same client's next call works, nothing was left half-read.
    const RpcResponse next = await(client()->metrics(QStringLiteral("default")));
    QVERIFY2(next.ok || next.error.serverText.contains(QStringLiteral("does not exist")), qPrintable(next.error.message));
}

void TestMsbClient::validationMessageComesThrough()
{
    // A real refusal by the server, not a fault: the 2001 text arrives verbatim.
    ClientConfig config;
    MsbClient *c = client({}, config);
    const RpcResponse response = await(c->metrics(QStringLiteral("never-used-ns")));
    QCOMPARE(kindOf(response), QStringLiteral("server_error"));
    QCOMPARE(response.error.serverCode, ServerCode::InvalidInput);
    QCOMPARE(response.error.serverText, QStringLiteral("Namespace directory 'never-used-ns' does not exist"));
    QVERIFY(response.error.message.contains(response.error.serverText));
}

void TestMsbClient::tooLargeIsRefusedBeforeSending()
{
    const QString code(3 * 1024 * 1024, u'x');
    const RpcResponse response = await(client()->replRun(QStringLiteral("default"), QStringLiteral("x"), code, 5));
    QCOMPARE(kindOf(response), QStringLiteral("not_sent"));
    QVERIFY2(response.error.message.contains(QStringLiteral("2048 KiB")), qPrintable(response.error.message));
}

void TestMsbClient::timeoutIsItsOwnError()
{
    m_emulator.addFault({{QStringLiteral("kind"), QStringLiteral("hang")}, {QStringLiteral("times"), 1},
                         {QStringLiteral("method"), QStringLiteral("sandbox.metrics.get")}});
    ClientConfig config;
    config.requestTimeoutMs = 700;
    QElapsedTimer clock;
    clock.start();
    const RpcResponse response = await(client({}, config)->metrics(QStringLiteral("default")));
    QCOMPARE(kindOf(response), QStringLiteral("timeout"));
    QVERIFY(clock.elapsed() >= 600 && clock.elapsed() < 5'000);
    QVERIFY2(response.error.message.contains(QStringLiteral("did not answer")), qPrintable(response.error.message));
}

void TestMsbClient::abortEndsTheCallAtOnce()
{
    m_emulator.addFault({{QStringLiteral("kind"), QStringLiteral("hang")}, {QStringLiteral("times"), 1},
                         {QStringLiteral("method"), QStringLiteral("sandbox.metrics.get")}});
    MsbCall *call = client()->metrics(QStringLiteral("default"));
    QTimer::singleShot(200, call, &MsbCall::abort);
    QElapsedTimer clock;
    clock.start();
    const RpcResponse response = await(call);
    QCOMPARE(kindOf(response), QStringLiteral("cancelled"));
    QVERIFY(clock.elapsed() < 2'000);
}

void TestMsbClient::manyCallsAtOnceEachGetTheirTime()
{
    // Twelve slow calls at once: Qt 6.4 opens six connections to a server and queues the rest;
    // the wait in its queue does not count against a call's time limit (checked: a cap in the
    // client made no difference), so none of them times out.
    m_emulator.addFault({{QStringLiteral("kind"), QStringLiteral("delay")}, {QStringLiteral("ms"), 700},
                         {QStringLiteral("method"), QStringLiteral("sandbox.metrics.get")}});
    ClientConfig config;
    config.requestTimeoutMs = 1'200;
    MsbClient *c = client({}, config);
    QList<MsbCall *> calls;
    for (int i = 0; i < 12; ++i)
        calls.append(c->metrics(QStringLiteral("default")));
    int finished = 0, timedOut = 0;
    for (MsbCall *call : calls)
        connect(call, &MsbCall::finished, this, [&](const RpcResponse &response) {
            ++finished;
            timedOut += response.error.kind == ErrorKind::Timeout ? 1 : 0;
        });
    QTRY_COMPARE_WITH_TIMEOUT(finished, 12, 10'000);
    QCOMPARE(timedOut, 0);
}

void TestMsbClient::nothingListening()
{
    ClientConfig config;
    Credentials credentials;
    credentials.apiKey = m_key;
    config.server = QUrl(QStringLiteral("http://127.0.0.1:1"));
    MsbClient c(config, credentials);
    const RpcResponse response = await(c.metrics(QStringLiteral("default")));
    QCOMPARE(kindOf(response), QStringLiteral("unreachable"));
    QVERIFY(response.error.message.contains(QStringLiteral("msb server start --detach")));
}

void TestMsbClient::missingKeyIsInvalidCredentials()
{
    Credentials none;
    none.apiKey = QStringLiteral(" "); // not empty, so client() does not add the good key
    const RpcResponse response = await(client(none)->metrics(QStringLiteral("default")));
    QCOMPARE(kindOf(response), QStringLiteral("unauthorized"));
    QCOMPARE(response.error.serverCode, ServerCode::InvalidCredentials);
    QVERIFY(response.error.message.contains(QStringLiteral("msb server keygen")));
}

void TestMsbClient::expiredKeyIsRenewedOnce()
{
    const QString expired = m_emulator.control("POST", QStringLiteral("token"),
                                               QJsonObject{{QStringLiteral("exp"), 1'000'000'000},
                                                           {QStringLiteral("iat"), 999'000'000}})
                                .value(QStringLiteral("token")).toString();
    QVERIFY(expired.startsWith(QStringLiteral("msb_")));
    Credentials credentials;
    credentials.apiKey = expired;
    // Without permission to mint, the expiry is reported as it is.
    const RpcResponse refused = await(client(credentials)->metrics(QStringLiteral("default")));
    QCOMPARE(refused.error.serverCode, ServerCode::InvalidToken);
    // With it, a fresh key is minted from server.key, once, and the call goes through.
    credentials.mayMint = true;
    credentials.serverKeyFile = m_emulator.serverKeyFile();
    credentials.mintNamespace = QStringLiteral("default");
    MsbClient *c = client(credentials);
    QSignalSpy renewed(c, &MsbClient::apiKeyRenewed);
    const RpcResponse response = await(c->metrics(QStringLiteral("default")));
    QVERIFY2(response.ok || response.error.kind == ErrorKind::ServerError, qPrintable(response.error.message));
    QCOMPARE(renewed.count(), 1);
    QString problem;
    const auto token = parseApiKey(c->apiKey(), &problem);
    QVERIFY2(token, qPrintable(problem));
    QCOMPARE(token->ns, QStringLiteral("default"));
    QVERIFY(!token->isExpired());
    // The server's clock moves on a day: the key it now refuses (1004) is renewed again.
    m_emulator.addFault({{QStringLiteral("kind"), QStringLiteral("expire_tokens")}, {QStringLiteral("times"), 1}});
    const RpcResponse later = await(c->metrics(QStringLiteral("default")));
    QVERIFY2(later.ok || later.error.kind == ErrorKind::ServerError, qPrintable(later.error.message));
    QCOMPARE(renewed.count(), 2);
}

void TestMsbClient::renewalThatCannotWorkIsReported()
{
    Credentials credentials;
    credentials.apiKey = QStringLiteral("msb_not.a.key");
    credentials.mayMint = true;
    credentials.serverKeyFile = QStringLiteral("/nonexistent/server.key");
    const RpcResponse response = await(client(credentials)->metrics(QStringLiteral("default")));
    QCOMPARE(kindOf(response), QStringLiteral("unauthorized"));
    QVERIFY2(response.error.message.contains(QStringLiteral("could not be minted")), qPrintable(response.error.message));
    // A key signed with another server's secret is a 1004, renewed from the right secret.
    QFile wrong(QDir::temp().filePath(uniqueToken(QStringLiteral("wrong-key"))));
    QVERIFY(wrong.open(QIODevice::WriteOnly));
    wrong.write("0123456789abcdefABCDEF0123456789");
    wrong.close();
    QString error;
    MintOptions options;
    credentials.apiKey = *mintApiKey("0123456789abcdefABCDEF0123456789", options, &error);
    credentials.serverKeyFile = m_emulator.serverKeyFile();
    MsbClient *c = client(credentials);
    const RpcResponse healed = await(c->metrics(QStringLiteral("default")));
    QVERIFY2(healed.ok || healed.error.kind == ErrorKind::ServerError, qPrintable(healed.error.message));
    wrong.remove();
}

void TestMsbClient::otherNamespaceIsDenied()
{
    Credentials credentials;
    credentials.apiKey = m_emulator.keygen(QStringLiteral("team-a"));
    const RpcResponse response = await(client(credentials)->metrics(QStringLiteral("team-b")));
    QCOMPARE(kindOf(response), QStringLiteral("server_error"));
    QCOMPARE(response.error.httpStatus, 403);
    QCOMPARE(response.error.serverCode, ServerCode::AccessDenied);
    QVERIFY(response.error.message.contains(QStringLiteral("another namespace")));
}

void TestMsbClient::keyWarnings()
{
    Credentials credentials;
    credentials.apiKey = m_emulator.keygen(QStringLiteral("*"), QStringLiteral("2h"));
    MsbClient *soon = client(credentials);
    QVERIFY(soon->keyWarning().contains(QStringLiteral("expires on")));
    QVERIFY(soon->keyWarning(60).isEmpty());
    credentials.apiKey = m_emulator.keygen(QStringLiteral("*"), QStringLiteral("1y"));
    QVERIFY(client(credentials)->keyWarning().isEmpty());
    credentials.apiKey = QStringLiteral("raw-server-key");
    QVERIFY(!client(credentials)->keyWarning().isEmpty());
}

void TestMsbClient::olderServerNamesItsMethodsDifferently()
{
    MsbEmulator::Options options;
    options.dev = true;
    options.extraArguments = {QStringLiteral("--version"), QStringLiteral("0.2.1")};
    MsbEmulator old(options);
    QVERIFY2(old.start(), qPrintable(old.error()));
    ClientConfig config;
    config.server = old.url();
    MsbClient modern(config, {});
    const RpcResponse unknown = await(modern.metrics(QStringLiteral("*")));
    QCOMPARE(kindOf(unknown), QStringLiteral("json_rpc_error"));
    QCOMPARE(unknown.error.code, -32601);
    config.serverVersion = QVersionNumber(0, 2, 1);
    MsbClient matching(config, {});
    const RpcResponse known = await(matching.metrics(QStringLiteral("*")));
    QVERIFY2(known.ok, qPrintable(known.error.message));
}

QTEST_GUILESS_MAIN(TestMsbClient)
#include "tst_msb_client.moc"
