#include "microsandbox/MsbToken.h"

#include <QTest>

using namespace pysandbox::msb;

namespace {

// Known answers, computed independently of this code with Python's hmac module:
//   python3 -c 'import base64,hmac,hashlib
//   b=lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
//   si=b(b"{\"typ\":\"JWT\",\"alg\":\"HS256\"}")+"."+b(CLAIMS)
//   print("msb_"+si+"."+b(hmac.new(KEY,si.encode(),hashlib.sha256).digest()))'
// 1. KEY=b"0123456789abcdefABCDEF0123456789",
//    CLAIMS=b'{"exp":1767225600,"iat":1767139200,"namespace":"*"}' — also the protocol doc's
//    vector (§3.2), so both implementations agree with a third one.
const QString kDocKey = QStringLiteral("0123456789abcdefABCDEF0123456789");
const QString kDocToken = QStringLiteral(
    "msb_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NjcyMjU2MDAsImlhdCI6MTc2NzEzOTIwMCwibmFtZXNwYWNlIjoiKiJ9."
    "2I3Nnj9kRq2GhOTssZlu0tTwAK8ETLIhgycImTzXo6w");
// 2. KEY=b"Zq3vTn8LkP2wXy7RbC5mDf1GhJ4sVa9E",
//    CLAIMS=b'{"exp":1735776000,"iat":1735689600,"namespace":"team-a"}'
const QString kTeamKey = QStringLiteral("Zq3vTn8LkP2wXy7RbC5mDf1GhJ4sVa9E");
const QString kTeamToken = QStringLiteral(
    "msb_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MzU3NzYwMDAsImlhdCI6MTczNTY4OTYwMCwibmFtZXNwYWNlIjoidGVhbS1hIn0."
    "bYTCyf5LIpZJcQ6knLyWZJauvgA8c60XzQOsxMyewlI");
// 3. KEY=b"key with newline\n" (a server.key edited by hand: the server signs with the newline),
//    CLAIMS=b'{"exp":1735776000,"iat":1735689600,"namespace":"*"}'
const QString kNewlineToken = QStringLiteral(
    "msb_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MzU3NzYwMDAsImlhdCI6MTczNTY4OTYwMCwibmFtZXNwYWNlIjoiKiJ9."
    "LxxKYAc65p-UPtz8WL8PpYpsYm60SpDasfo1kwvXIKs");

QDateTime at(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
}

QString b64(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

// A token with arbitrary header and claims (the signature does not matter to the parser).
QString token(const QByteArray &header, const QByteArray &claims)
{
    return QStringLiteral("msb_") + b64(header) + u'.' + b64(claims) + u'.' + b64(QByteArray(32, 'x'));
}

} // namespace

class TestMsbToken : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mintMatchesKnownAnswers_data();
    void mintMatchesKnownAnswers();
    void parseReadsTheClaims();
    void verifyChecksTheSignature();
    void roundTripWithTheClock();
    void headerlessV020Format();
    void expiry();
    void malformedKeysAreRefused_data();
    void malformedKeysAreRefused();
    void badMintInputsAreRefused_data();
    void badMintInputsAreRefused();
};

void TestMsbToken::mintMatchesKnownAnswers_data()
{
    QTest::addColumn<QByteArray>("serverKey");
    QTest::addColumn<QString>("ns");
    QTest::addColumn<qint64>("iat");
    QTest::addColumn<qint64>("lifetime");
    QTest::addColumn<QString>("expected");
    QTest::newRow("doc vector") << kDocKey.toUtf8() << QStringLiteral("*") << qint64(1767139200) << qint64(86400) << kDocToken;
    QTest::newRow("namespace") << kTeamKey.toUtf8() << QStringLiteral("team-a") << qint64(1735689600) << qint64(86400) << kTeamToken;
    QTest::newRow("key kept verbatim") << QByteArray("key with newline\n") << QStringLiteral("*") << qint64(1735689600)
                                       << qint64(86400) << kNewlineToken;
}

void TestMsbToken::mintMatchesKnownAnswers()
{
    QFETCH(QByteArray, serverKey);
    QFETCH(QString, ns);
    QFETCH(qint64, iat);
    QFETCH(qint64, lifetime);
    QFETCH(QString, expected);
    MintOptions options;
    options.ns = ns;
    options.issuedAt = at(iat);
    options.lifetimeSeconds = lifetime;
    QString error;
    const std::optional<QString> minted = mintApiKey(serverKey, options, &error);
    QVERIFY2(minted, qPrintable(error));
    QCOMPARE(*minted, expected);
}

void TestMsbToken::parseReadsTheClaims()
{
    QString error;
    const std::optional<ApiToken> parsed = parseApiKey(QStringLiteral("  ") + kTeamToken + QStringLiteral("\n"), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->apiKey, kTeamToken); // what was pasted around it is not sent
    QCOMPARE(parsed->format, TokenFormat::Jwt);
    QCOMPARE(parsed->header.value(QStringLiteral("typ")).toString(), QStringLiteral("JWT"));
    QCOMPARE(parsed->expiresAt, qint64(1735776000));
    QCOMPARE(parsed->issuedAt, qint64(1735689600));
    QCOMPARE(parsed->expiry(), at(1735776000));
    QCOMPARE(parsed->issued(), at(1735689600));
    QCOMPARE(parsed->ns, QStringLiteral("team-a"));
    QVERIFY(parsed->allowsNamespace(QStringLiteral("team-a")));
    QVERIFY(!parsed->allowsNamespace(QStringLiteral("default")));
    QVERIFY(!parsed->allowsNamespace(QStringLiteral("*"))); // metrics over "*" needs a "*" key
    QCOMPARE(parsed->signature.size(), 32);
    QVERIFY(parseApiKey(kDocToken, &error)->allowsNamespace(QStringLiteral("anything")));
}

void TestMsbToken::verifyChecksTheSignature()
{
    QString error;
    const ApiToken doc = *parseApiKey(kDocToken, &error);
    QVERIFY(doc.verify(kDocKey.toUtf8()));
    QVERIFY(!doc.verify(kTeamKey.toUtf8()));
    QVERIFY(!doc.verify(kDocKey.toUtf8() + '\n'));
    QVERIFY(!doc.verify(QByteArray()));
    QVERIFY(parseApiKey(kNewlineToken, &error)->verify("key with newline\n"));
    QVERIFY(!parseApiKey(kNewlineToken, &error)->verify("key with newline"));

    // Claims swapped for another token's: still well-formed, no longer signed.
    const QStringList docParts = kDocToken.split(u'.');
    const QStringList teamParts = kTeamToken.split(u'.');
    const std::optional<ApiToken> spliced = parseApiKey(docParts[0] + u'.' + teamParts[1] + u'.' + docParts[2], &error);
    QVERIFY2(spliced, qPrintable(error));
    QVERIFY(!spliced->verify(kDocKey.toUtf8()));
    // One signature bit flipped (the first character's top bits: still canonical base64url).
    QString flipped = kDocToken;
    const qsizetype sig = flipped.lastIndexOf(u'.') + 1;
    flipped[sig] = flipped[sig] == u'2' ? u'3' : u'2';
    QVERIFY(!parseApiKey(flipped, &error)->verify(kDocKey.toUtf8()));
}

void TestMsbToken::roundTripWithTheClock()
{
    const QByteArray serverKey = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tAb";
    MintOptions options;
    options.ns = QStringLiteral("default");
    options.lifetimeSeconds = 3600;
    QString error;
    const std::optional<QString> minted = mintApiKey(serverKey, options, &error);
    QVERIFY2(minted, qPrintable(error));
    const std::optional<ApiToken> parsed = parseApiKey(*minted, &error);
    QVERIFY2(parsed, qPrintable(error));
    QVERIFY(parsed->verify(serverKey));
    QCOMPARE(parsed->ns, QStringLiteral("default"));
    QCOMPARE(parsed->expiresAt - parsed->issuedAt, qint64(3600));
    QVERIFY(qAbs(parsed->issuedAt - QDateTime::currentSecsSinceEpoch()) <= 5); // no issuedAt: now
    QVERIFY(!parsed->isExpired());
    QVERIFY(!parsed->expiresWithin(60));
    QVERIFY(parsed->expiresWithin(7200));
}

void TestMsbToken::headerlessV020Format()
{
    QCOMPARE(tokenFormatFor(QVersionNumber(0, 2, 0)), TokenFormat::HeaderlessV020);
    QCOMPARE(tokenFormatFor(QVersionNumber(0, 2, 1)), TokenFormat::Jwt);
    QCOMPARE(tokenFormatFor(QVersionNumber(0, 2, 6)), TokenFormat::Jwt);
    MintOptions options;
    options.issuedAt = at(1767139200);
    options.format = TokenFormat::HeaderlessV020;
    QString error;
    const QString minted = *mintApiKey(kDocKey.toUtf8(), options, &error);
    // The same signature as the full JWT: 0.2.0 signs the header it leaves out (§3.2).
    const QStringList parts = kDocToken.split(u'.');
    QCOMPARE(minted, QStringLiteral("msb_") + parts[1] + u'.' + parts[2]);
    const std::optional<ApiToken> parsed = parseApiKey(minted, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->format, TokenFormat::HeaderlessV020);
    QCOMPARE(parsed->header.value(QStringLiteral("alg")).toString(), QStringLiteral("HS256"));
    QVERIFY(parsed->verify(kDocKey.toUtf8()));
}

void TestMsbToken::expiry()
{
    QString error;
    const ApiToken doc = *parseApiKey(kDocToken, &error); // exp 1767225600
    QVERIFY(!doc.isExpired(at(1767225599)));
    QVERIFY(doc.isExpired(at(1767225600))); // no leeway on our side
    QVERIFY(doc.isExpired(at(1800000000)));
    QVERIFY(!doc.expiresWithin(3600, at(1767225600 - 7200)));
    QVERIFY(doc.expiresWithin(3600, at(1767225600 - 1800)));
    QVERIFY(doc.expiresWithin(0, at(1767225601)));
    QVERIFY(!doc.expiresWithin(-5, at(1767225599))); // a negative window is no window
}

void TestMsbToken::malformedKeysAreRefused_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("messagePart");
    const QByteArray header = kJwtHeaderJson;
    const QByteArray claims = R"({"exp":1767225600,"iat":1767139200,"namespace":"*"})";
    const QStringList parts = kDocToken.split(u'.');
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("raw server key") << kDocKey << QStringLiteral("server.key");
    QTest::newRow("bare JWT") << kDocToken.mid(4) << QStringLiteral("msb_");
    QTest::newRow("one part") << QStringLiteral("msb_abc") << QStringLiteral("three parts");
    QTest::newRow("four parts") << kDocToken + QStringLiteral(".x") << QStringLiteral("three parts");
    QTest::newRow("padded") << parts[0] + QStringLiteral("==.") + parts[1] + u'.' + parts[2] << QStringLiteral("padded");
    QTest::newRow("standard base64") << parts[0] + u'.' + parts[1] + u'.' + parts[2].chopped(1) + u'+'
                                     << QStringLiteral("base64url");
    QTest::newRow("space inside") << parts[0] + u'.' + parts[1] + QStringLiteral(" .") + parts[2] << QStringLiteral("base64url");
    QTest::newRow("truncated signature") << kDocToken.chopped(1) << QStringLiteral("signature");
    QTest::newRow("empty claims") << parts[0] + QStringLiteral("..") + parts[2] << QStringLiteral("empty");
    QTest::newRow("header not JSON") << token("not json", claims) << QStringLiteral("JSON");
    QTest::newRow("claims an array") << token(header, "[1,2]") << QStringLiteral("JSON");
    QTest::newRow("alg none") << token(R"({"alg":"none"})", claims) << QStringLiteral("HS256");
    QTest::newRow("alg RS256") << token(R"({"typ":"JWT","alg":"RS256"})", claims) << QStringLiteral("HS256");
    QTest::newRow("no exp") << token(header, R"({"iat":1,"namespace":"*"})") << QStringLiteral("exp");
    QTest::newRow("exp a string") << token(header, R"({"exp":"1767225600","iat":1,"namespace":"*"})") << QStringLiteral("exp");
    QTest::newRow("exp fractional") << token(header, R"({"exp":1767225600.5,"iat":1,"namespace":"*"})") << QStringLiteral("exp");
    QTest::newRow("exp negative") << token(header, R"({"exp":-1,"iat":1,"namespace":"*"})") << QStringLiteral("exp");
    QTest::newRow("no iat") << token(header, R"({"exp":1767225600,"namespace":"*"})") << QStringLiteral("iat");
    QTest::newRow("no namespace") << token(header, R"({"exp":1767225600,"iat":1})") << QStringLiteral("namespace");
    QTest::newRow("namespace a number") << token(header, R"({"exp":1767225600,"iat":1,"namespace":7})") << QStringLiteral("namespace");
    QTest::newRow("aud claim") << token(header, R"({"exp":1767225600,"iat":1,"namespace":"*","aud":"x"})") << QStringLiteral("aud");
    QTest::newRow("short signature") << parts[0] + u'.' + parts[1] + QStringLiteral(".AAAA") << QStringLiteral("32");
    QTest::newRow("binary junk") << QStringLiteral("msb_\u00e9\u0000.\U0001F600.x") << QStringLiteral("base64url");
}

void TestMsbToken::malformedKeysAreRefused()
{
    QFETCH(QString, key);
    QFETCH(QString, messagePart);
    QString error;
    QVERIFY(!parseApiKey(key, &error));
    QVERIFY2(error.contains(messagePart), qPrintable(error));
}

void TestMsbToken::badMintInputsAreRefused_data()
{
    QTest::addColumn<QByteArray>("serverKey");
    QTest::addColumn<QString>("ns");
    QTest::addColumn<qint64>("lifetime");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("empty key") << QByteArray() << QStringLiteral("*") << qint64(60) << QStringLiteral("empty");
    QTest::newRow("key not UTF-8") << QByteArray("\xff\xfe") << QStringLiteral("*") << qint64(60) << QStringLiteral("UTF-8");
    QTest::newRow("bad namespace") << QByteArray("k") << QStringLiteral("a\"b") << qint64(60) << QStringLiteral("Namespace");
    QTest::newRow("empty namespace") << QByteArray("k") << QString() << qint64(60) << QStringLiteral("Namespace");
    QTest::newRow("no lifetime") << QByteArray("k") << QStringLiteral("*") << qint64(0) << QStringLiteral("lifetime");
    QTest::newRow("overflow") << QByteArray("k") << QStringLiteral("*") << std::numeric_limits<qint64>::max()
                              << QStringLiteral("lifetime");
}

void TestMsbToken::badMintInputsAreRefused()
{
    QFETCH(QByteArray, serverKey);
    QFETCH(QString, ns);
    QFETCH(qint64, lifetime);
    QFETCH(QString, messagePart);
    MintOptions options;
    options.ns = ns;
    options.lifetimeSeconds = lifetime;
    QString error;
    QVERIFY(!mintApiKey(serverKey, options, &error));
    QVERIFY2(error.contains(messagePart), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestMsbToken)
#include "tst_msb_token.moc"
