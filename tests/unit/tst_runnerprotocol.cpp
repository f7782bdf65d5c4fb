#include "native/RunnerProtocol.h"

#include <QJsonDocument>
#include <QTest>
#include <QtEndian>

using namespace pysandbox;
using namespace pysandbox::runner;

class TestRunnerProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestCarriesCodeAsData();
    void frameInPieces();
    void oversizedFrameIsRefused();
    void parseGoodResult();
    void parseRejects_data();
    void parseRejects();
};

void TestRunnerProtocol::requestCarriesCodeAsData()
{
    ExecutionRequest request;
    request.code = QStringLiteral("s = '''\\'\"\n'''\nresult = s");
    request.inputs = QJsonObject{{QStringLiteral("q"), QStringLiteral("\"'\\\n")}};
    const QByteArray frame = encodeRequest(request, Limits{});
    const quint64 length = qFromBigEndian<quint64>(frame.constData());
    QCOMPARE(length, quint64(frame.size() - 8));
    const QJsonObject object = QJsonDocument::fromJson(frame.mid(8)).object();
    QCOMPARE(object.value(QStringLiteral("code")).toString(), request.code);
    QCOMPARE(object.value(QStringLiteral("inputs")).toObject(), request.inputs);
    QCOMPARE(object.value(QStringLiteral("protocol")).toInt(), kProtocolVersion);
}

void TestRunnerProtocol::frameInPieces()
{
    const QByteArray frame = encodeFrame(R"({"protocol":1})");
    FrameReader reader;
    for (qsizetype i = 0; i < frame.size() - 1; ++i)
        QCOMPARE(reader.append(frame.mid(i, 1)), FrameReader::State::Incomplete);
    QCOMPARE(reader.append(frame.right(1)), FrameReader::State::Complete);
    QCOMPARE(reader.payload(), QByteArray(R"({"protocol":1})"));
    QCOMPARE(reader.append("more"), FrameReader::State::Complete); // later bytes are ignored
}

void TestRunnerProtocol::oversizedFrameIsRefused()
{
    QByteArray header(8, '\0');
    qToBigEndian<quint64>(quint64(kMaxFrameBytes) + 1, header.data());
    FrameReader reader;
    QCOMPARE(reader.append(header), FrameReader::State::Oversized);
}

void TestRunnerProtocol::parseGoodResult()
{
    QString error;
    const auto result = parseResult(R"({"protocol":1,"has_result":true,"result":{"a":1},"error":{"type":"ValueError","message":"bad","line":4,"traceback":"T","frames":[]},"displays":[]})", &error);
    QVERIFY2(result, qPrintable(error));
    QVERIFY(result->hasResult);
    QCOMPARE(result->result.toObject().value(QStringLiteral("a")).toInt(), 1);
    QVERIFY(result->error);
    QCOMPARE(result->error->line, 4);
}

void TestRunnerProtocol::parseRejects_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("garbage") << QByteArray("\xff\x00not json", 10);
    QTest::newRow("array") << QByteArray("[1,2]");
    QTest::newRow("wrong protocol") << QByteArray(R"({"protocol":2})");
    QTest::newRow("error without type") << QByteArray(R"({"protocol":1,"error":{"message":"x"}})");
    QTest::newRow("error is a string") << QByteArray(R"({"protocol":1,"error":"boom"})");
    QTest::newRow("empty") << QByteArray();
}

void TestRunnerProtocol::parseRejects()
{
    QFETCH(QByteArray, payload);
    QString error;
    QVERIFY(!parseResult(payload, &error));
    QVERIFY(!error.isEmpty());
}

QTEST_GUILESS_MAIN(TestRunnerProtocol)
#include "tst_runnerprotocol.moc"
