// `pysandbox-cli batch` as a script drives it: the real binary, real python3 children.
// Requests in, envelopes out: ids, order, parallel runs, malformed and huge lines, usage errors.
// (Streaming, SIGINT and a closed stdout: tst_cli_batch_streaming.cpp.)
// With PYSANDBOX_TEST_ISOLATION=off the same suite runs on the rlimits-only fallback.
#include "CliSupport.h"

#include "cli/BatchRequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <tuple>

using namespace pysandbox;
using namespace pysandbox::test;

class TestCliBatch : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(QFileInfo(cliPath()).isExecutable(), qPrintable(cliPath())); }
    void runsInInputOrderWithIds();
    void parallelRunsOverlapUpToTheLimit();
    void malformedLinesGetAnEnvelopeAndTheBatchGoesOn();
    void blankLinesAndAMissingFinalNewline();
    void emptyInputExitsQuietly();
    void failingSnippetStillExitsZero();
    void hugeLines();
    void usageAndEngineErrors();
};

void TestCliBatch::runsInInputOrderWithIds()
{
    const QByteArray input = request(QStringLiteral("first"), QStringLiteral("result = inputs['x'] * 2"),
                                     {{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("x"), 21}}}})
        + request(7, QStringLiteral("print('hi')\nresult = 'seven'"))
        + request(QStringLiteral("limits"), QStringLiteral("import time\ntime.sleep(5)"),
                  {{QStringLiteral("options"), QJsonObject{{QStringLiteral("wall_timeout_ms"), 400}}}})
        + request(QStringLiteral("last"), QStringLiteral("result = [1, 2]"));
    const BatchResult result = runBatch({QStringLiteral("--memory"), QStringLiteral("200")}, input);
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.everyLineJson);
    QCOMPARE(result.envelopes.size(), 4);
    QStringList ids;
    for (const QJsonObject &envelope : result.envelopes) {
        ids << stringField(envelope, "id");
        QCOMPARE(envelope.value(QStringLiteral("version")).toInt(), 1);
        const QString level = stringField(envelope.value(QStringLiteral("engine")).toObject(), "security_level");
        QVERIFY2(level.startsWith(securityLevelPrefix()), qPrintable(level));
    }
    QCOMPARE(ids, (QStringList{QStringLiteral("first"), QStringLiteral("7"), QStringLiteral("limits"), QStringLiteral("last")}));
    QCOMPARE(result.envelopes[0].value(QStringLiteral("result")), QJsonValue(42));
    QCOMPARE(stringField(result.envelopes[1], "result"), QStringLiteral("seven"));
    QCOMPARE(stringField(result.envelopes[1], "stdout"), QStringLiteral("hi\n"));
    // The line's options override the command line's; the rest of the command line still applies.
    QCOMPARE(stringField(result.envelopes[2], "status"), QStringLiteral("timeout"));
    const QJsonObject limits = result.envelopes[2].value(QStringLiteral("usage")).toObject().value(QStringLiteral("limits")).toObject();
    QCOMPARE(limits.value(QStringLiteral("wall_timeout_ms")).toInt(), 400);
    QCOMPARE(limits.value(QStringLiteral("memory_mb")).toInt(), 200);
    QCOMPARE(result.envelopes[3].value(QStringLiteral("result")).toArray(), (QJsonArray{1, 2}));
}

void TestCliBatch::parallelRunsOverlapUpToTheLimit()
{
    // r0 sleeps longest, so with three slots it cannot finish first: output is in completion order.
    QByteArray input;
    for (int i = 0; i < 6; ++i)
        input += request(QStringLiteral("r%1").arg(i), QStringLiteral("import time\nstart = time.time()\ntime.sleep(%1)\nresult = [start, time.time()]").arg(i == 0 ? 0.9 : 0.3));
    const BatchResult result = runBatch({QStringLiteral("--parallel"), QStringLiteral("3")}, input);
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.envelopes.size(), 6);
    QSet<QString> ids;
    QList<std::pair<double, int>> edges; // (time, +1 start / -1 end) of every snippet
    double busySeconds = 0, firstStart = 1e300, lastEnd = 0;
    for (const QJsonObject &envelope : result.envelopes) {
        QCOMPARE(stringField(envelope, "status"), QStringLiteral("ok"));
        ids.insert(stringField(envelope, "id"));
        const QJsonArray span = envelope.value(QStringLiteral("result")).toArray();
        edges.append({span.at(0).toDouble(), +1});
        edges.append({span.at(1).toDouble(), -1});
        busySeconds += span.at(1).toDouble() - span.at(0).toDouble();
        firstStart = std::min(firstStart, span.at(0).toDouble());
        lastEnd = std::max(lastEnd, span.at(1).toDouble());
    }
    QCOMPARE(ids.size(), 6); // every id exactly once
    QVERIFY(stringField(result.envelopes.first(), "id") != QLatin1String("r0"));
    std::sort(edges.begin(), edges.end()); // an end sorts before a start at the same instant
    int inFlight = 0, most = 0;
    for (const auto &edge : edges)
        most = std::max(most, inFlight += edge.second);
    QCOMPARE(most, 3);
    // Measured inside the snippets, so the engine's start-up (a warm pool preloads) does not count.
    const double wallSeconds = lastEnd - firstStart;
    QVERIFY2(wallSeconds < busySeconds * 0.75, qPrintable(QStringLiteral("wall %1 s, busy %2 s").arg(wallSeconds).arg(busySeconds)));
}

void TestCliBatch::malformedLinesGetAnEnvelopeAndTheBatchGoesOn()
{
    const QList<QByteArray> lines{
        request(QStringLiteral("before"), QStringLiteral("result = 1")),
        "\n",
        "this is not json\n",
        "[1, 2]\n",
        R"({"id": "nocode", "inputs": {}})" "\n",
        R"({"id": 5, "code": 5})" "\n",
        R"({"id": "badopt", "code": "result = 1", "options": {"memory_mb": "lots"}})" "\n",
        R"({"id": "typo", "code": "result = 1", "option": {}})" "\n",
        R"({"id": true, "code": "result = 1"})" "\n",
        request(QStringLiteral("after"), QStringLiteral("result = 2")),
    };
    const BatchResult result = runBatch({}, lines.join());
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.everyLineJson);
    // (line number, id echoed, what the detail must say); blank line 2 gets nothing.
    const QList<std::tuple<int, QString, QString>> expected{
        {3, QString(), QStringLiteral("not valid JSON")},
        {4, QString(), QStringLiteral("must be a JSON object")},
        {5, QStringLiteral("nocode"), QStringLiteral("\"code\" is missing")},
        {6, QStringLiteral("5"), QStringLiteral("\"code\" must be a string")},
        {7, QStringLiteral("badopt"), QStringLiteral("memory_mb")},
        {8, QStringLiteral("typo"), QStringLiteral("unknown field \"option\"")},
        {9, QString(), QStringLiteral("\"id\" must be a string or a number")},
    };
    QCOMPARE(result.envelopes.size(), expected.size() + 2);
    QCOMPARE(stringField(result.envelopes.first(), "id"), QStringLiteral("before"));
    QCOMPARE(result.envelopes.first().value(QStringLiteral("result")), QJsonValue(1));
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const auto &[lineNumber, id, mentions] = expected.at(i);
        const QJsonObject &envelope = result.envelopes.at(i + 1);
        const QString detail = stringField(envelope, "status_detail");
        QCOMPARE(stringField(envelope, "status"), QStringLiteral("engine_error"));
        QVERIFY2(detail.startsWith(QStringLiteral("line %1: ").arg(lineNumber)), qPrintable(detail));
        QVERIFY2(detail.contains(mentions), qPrintable(detail));
        QCOMPARE(stringField(envelope, "id"), id);
        QCOMPARE(envelope.contains(QStringLiteral("id")), !id.isEmpty());
    }
    QCOMPARE(stringField(result.envelopes.last(), "id"), QStringLiteral("after"));
    QCOMPARE(result.envelopes.last().value(QStringLiteral("result")), QJsonValue(2));
}

void TestCliBatch::blankLinesAndAMissingFinalNewline()
{
    QByteArray last = request(QStringLiteral("b"), QStringLiteral("result = 'b'"));
    last.chop(1);
    const BatchResult result = runBatch({}, "\n\n" + request(QStringLiteral("a"), QStringLiteral("result = 'a'")) + " \t \r\n\n" + last);
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.envelopes.size(), 2);
    QCOMPARE(stringField(result.envelopes[0], "result"), QStringLiteral("a"));
    QCOMPARE(stringField(result.envelopes[1], "result"), QStringLiteral("b"));
    QCOMPARE(stringField(result.envelopes[1], "id"), QStringLiteral("b"));
}

void TestCliBatch::emptyInputExitsQuietly()
{
    const BatchResult result = runBatch({}, {});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.envelopes.isEmpty());
    QVERIFY2(result.err.isEmpty(), result.err.constData());
}

void TestCliBatch::failingSnippetStillExitsZero()
{
    const BatchResult result = runBatch({}, request(QStringLiteral("boom"), QStringLiteral("x = 1\n1 / 0\n")));
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.envelopes.size(), 1);
    const QJsonObject &envelope = result.envelopes.first();
    QCOMPARE(stringField(envelope, "status"), QStringLiteral("error"));
    QCOMPARE(stringField(envelope, "id"), QStringLiteral("boom"));
    const QJsonObject error = envelope.value(QStringLiteral("error")).toObject();
    QCOMPARE(stringField(error, "type"), QStringLiteral("ZeroDivisionError"));
    QCOMPARE(error.value(QStringLiteral("line")).toInt(), 2);
}

void TestCliBatch::hugeLines()
{
    const qsizetype literal = 3'000'000;
    const QByteArray input = request(QStringLiteral("long code"), QStringLiteral("result = len('%1')").arg(QString(literal, QLatin1Char('a'))))
        + request(QStringLiteral("long output"), QStringLiteral("print('x' * 4_000_000)"))
        + QByteArray(kMaxBatchLineBytes + 1, 'x') + '\n' // line 3: over the limit
        + request(QStringLiteral("after"), QStringLiteral("result = 4"));
    const BatchResult result = runBatch({}, input, 60'000);
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.everyLineJson);
    QCOMPARE(result.envelopes.size(), 4);
    QCOMPARE(result.envelopes[0].value(QStringLiteral("result")).toInteger(), literal);
    QCOMPARE(result.envelopes[1].value(QStringLiteral("stdout_bytes")).toInteger(), 4'000'001);
    QCOMPARE(stringField(result.envelopes[1], "stdout").size(), 4'000'001);
    QCOMPARE(stringField(result.envelopes[2], "status"), QStringLiteral("engine_error"));
    QVERIFY2(stringField(result.envelopes[2], "status_detail").startsWith(QStringLiteral("line 3: the line is longer than 64 MiB")),
             qPrintable(stringField(result.envelopes[2], "status_detail")));
    QCOMPARE(result.envelopes[3].value(QStringLiteral("result")), QJsonValue(4));
}

void TestCliBatch::usageAndEngineErrors()
{
    for (const char *parallel : {"0", "17", "many"}) {
        const BatchResult result = runBatch({QStringLiteral("--parallel"), QLatin1String(parallel)}, request(1, QStringLiteral("result = 1")));
        QCOMPARE(result.exitCode, 2);
        QVERIFY(result.envelopes.isEmpty());
        QVERIFY2(result.err.contains("--parallel needs a whole number between 1 and 16"), result.err.constData());
    }
    QCOMPARE(runBatch({QStringLiteral("requests.jsonl")}, {}).exitCode, 2);
    const BatchResult microsandbox = runBatch({QStringLiteral("--engine"), QStringLiteral("microsandbox")}, request(1, QStringLiteral("result = 1")));
    QCOMPARE(microsandbox.exitCode, 4);
    QVERIFY(microsandbox.envelopes.isEmpty());
    QVERIFY2(microsandbox.err.contains("microsandbox"), microsandbox.err.constData());
}

QTEST_GUILESS_MAIN(TestCliBatch)
#include "tst_cli_batch.moc"
