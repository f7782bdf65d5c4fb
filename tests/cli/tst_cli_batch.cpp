// `pysandbox-cli batch` as a script drives it: the real binary, real python3 children.
// With PYSANDBOX_TEST_ISOLATION=off the same suite runs on the rlimits-only fallback.
#include "TestSupport.h"

#include "cli/CliArguments.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QTemporaryFile>
#include <QTest>

#include <algorithm>
#include <csignal>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

struct BatchResult
{
    int exitCode = -1;
    QList<QJsonObject> envelopes; // one per stdout line, in the order printed
    bool everyLineJson = true;
    QByteArray err;
};

QStringList batchArguments(const QStringList &extra = {})
{
    QStringList arguments{QStringLiteral("batch"), QStringLiteral("--python"), testPython()};
    if (!testsRunSandboxed()) // a bwrap that does not exist + the fallback = rlimits only
        arguments << QStringLiteral("--bubblewrap") << QStringLiteral("/nonexistent/bwrap") << QStringLiteral("--allow-unsandboxed");
    return arguments + extra;
}

// The warm path may add layers (landlock) after these; the prefix is what must never be lost.
QString securityLevelPrefix()
{
    return testsRunSandboxed() ? QStringLiteral("namespaces+seccomp") : QStringLiteral("rlimits-only");
}

void parseEnvelopes(const QByteArray &out, BatchResult *result)
{
    for (const QByteArray &line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument document = QJsonDocument::fromJson(line);
        result->everyLineJson = result->everyLineJson && document.isObject();
        result->envelopes.append(document.object());
    }
    result->everyLineJson = result->everyLineJson && (out.isEmpty() || out.endsWith('\n'));
}

BatchResult runBatch(const QStringList &extra, const QByteArray &input, int timeoutMs = 30'000)
{
    QProcess process;
    process.start(cliPath(), batchArguments(extra));
    process.write(input);
    process.closeWriteChannel();
    BatchResult result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    parseEnvelopes(process.readAllStandardOutput(), &result);
    result.err = process.readAllStandardError();
    return result;
}

QByteArray line(const QJsonObject &request)
{
    return QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n';
}

QByteArray request(const QJsonValue &id, const QString &code, const QJsonObject &extra = {})
{
    QJsonObject object = extra;
    object.insert(QStringLiteral("id"), id);
    object.insert(QStringLiteral("code"), code);
    return line(object);
}

QString str(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString();
}

// A snippet that holds a host-visible process (its marker in the command line) until cancelled.
QString heldSnippet(const QString &marker)
{
    return QStringLiteral("import subprocess, time\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 30; echo %1'])\ntime.sleep(60)\n").arg(marker);
}

} // namespace

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
    void streamsEachLineAsItArrives();
    void usageAndEngineErrors();
    void sigintCancelsTheRunsInFlight();
    void closedStdoutStopsTheBatch();
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
        ids << str(envelope, "id");
        QCOMPARE(envelope.value(QStringLiteral("version")).toInt(), 1);
        const QString level = str(envelope.value(QStringLiteral("engine")).toObject(), "security_level");
        QVERIFY2(level.startsWith(securityLevelPrefix()), qPrintable(level));
    }
    QCOMPARE(ids, (QStringList{QStringLiteral("first"), QStringLiteral("7"), QStringLiteral("limits"), QStringLiteral("last")}));
    QCOMPARE(result.envelopes[0].value(QStringLiteral("result")), QJsonValue(42));
    QCOMPARE(str(result.envelopes[1], "result"), QStringLiteral("seven"));
    QCOMPARE(str(result.envelopes[1], "stdout"), QStringLiteral("hi\n"));
    // The line's options override the command line's; the rest of the command line still applies.
    QCOMPARE(str(result.envelopes[2], "status"), QStringLiteral("timeout"));
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
        QCOMPARE(str(envelope, "status"), QStringLiteral("ok"));
        ids.insert(str(envelope, "id"));
        const QJsonArray span = envelope.value(QStringLiteral("result")).toArray();
        edges.append({span.at(0).toDouble(), +1});
        edges.append({span.at(1).toDouble(), -1});
        busySeconds += span.at(1).toDouble() - span.at(0).toDouble();
        firstStart = std::min(firstStart, span.at(0).toDouble());
        lastEnd = std::max(lastEnd, span.at(1).toDouble());
    }
    QCOMPARE(ids.size(), 6); // every id exactly once
    QVERIFY(str(result.envelopes.first(), "id") != QLatin1String("r0"));
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
    QCOMPARE(str(result.envelopes.first(), "id"), QStringLiteral("before"));
    QCOMPARE(result.envelopes.first().value(QStringLiteral("result")), QJsonValue(1));
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const auto &[lineNumber, id, mentions] = expected.at(i);
        const QJsonObject &envelope = result.envelopes.at(i + 1);
        const QString detail = str(envelope, "status_detail");
        QCOMPARE(str(envelope, "status"), QStringLiteral("engine_error"));
        QVERIFY2(detail.startsWith(QStringLiteral("line %1: ").arg(lineNumber)), qPrintable(detail));
        QVERIFY2(detail.contains(mentions), qPrintable(detail));
        QCOMPARE(str(envelope, "id"), id);
        QCOMPARE(envelope.contains(QStringLiteral("id")), !id.isEmpty());
    }
    QCOMPARE(str(result.envelopes.last(), "id"), QStringLiteral("after"));
    QCOMPARE(result.envelopes.last().value(QStringLiteral("result")), QJsonValue(2));
}

void TestCliBatch::blankLinesAndAMissingFinalNewline()
{
    QByteArray last = request(QStringLiteral("b"), QStringLiteral("result = 'b'"));
    last.chop(1);
    const BatchResult result = runBatch({}, "\n\n" + request(QStringLiteral("a"), QStringLiteral("result = 'a'")) + " \t \r\n\n" + last);
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.envelopes.size(), 2);
    QCOMPARE(str(result.envelopes[0], "result"), QStringLiteral("a"));
    QCOMPARE(str(result.envelopes[1], "result"), QStringLiteral("b"));
    QCOMPARE(str(result.envelopes[1], "id"), QStringLiteral("b"));
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
    QCOMPARE(str(envelope, "status"), QStringLiteral("error"));
    QCOMPARE(str(envelope, "id"), QStringLiteral("boom"));
    const QJsonObject error = envelope.value(QStringLiteral("error")).toObject();
    QCOMPARE(str(error, "type"), QStringLiteral("ZeroDivisionError"));
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
    QCOMPARE(str(result.envelopes[1], "stdout").size(), 4'000'001);
    QCOMPARE(str(result.envelopes[2], "status"), QStringLiteral("engine_error"));
    QVERIFY2(str(result.envelopes[2], "status_detail").startsWith(QStringLiteral("line 3: the line is longer than 64 MiB")),
             qPrintable(str(result.envelopes[2], "status_detail")));
    QCOMPARE(result.envelopes[3].value(QStringLiteral("result")), QJsonValue(4));
}

void TestCliBatch::streamsEachLineAsItArrives()
{
    QProcess process;
    process.start(cliPath(), batchArguments());
    process.write(request(QStringLiteral("one"), QStringLiteral("result = 1")));
    // Standard input stays open: the first envelope must come anyway, flushed on its own.
    QElapsedTimer clock;
    clock.start();
    while (!process.canReadLine() && clock.elapsed() < 20'000)
        process.waitForReadyRead(200);
    QVERIFY(process.canReadLine());
    QCOMPARE(str(QJsonDocument::fromJson(process.readLine()).object(), "id"), QStringLiteral("one"));
    process.write(request(QStringLiteral("two"), QStringLiteral("result = 2")));
    process.closeWriteChannel();
    QVERIFY(process.waitForFinished(20'000));
    QCOMPARE(process.exitCode(), 0);
    const QJsonObject second = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    QCOMPARE(str(second, "id"), QStringLiteral("two"));
    QCOMPARE(second.value(QStringLiteral("result")), QJsonValue(2));
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

void TestCliBatch::sigintCancelsTheRunsInFlight()
{
    const QString marker = uniqueToken(QStringLiteral("batch_cancel_"));
    QProcess process;
    process.start(cliPath(), batchArguments({QStringLiteral("--parallel"), QStringLiteral("2")}));
    for (int i = 0; i < 3; ++i)
        process.write(request(QStringLiteral("s%1").arg(i), heldSnippet(marker)));
    QTRY_COMPARE_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).size(), 2, 20'000);
    QTest::qWait(300);
    QCOMPARE(processesWithMarker(marker.toUtf8()).size(), 2); // the third waits for a slot
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitCode(), 3);
    BatchResult result;
    parseEnvelopes(process.readAllStandardOutput(), &result);
    QCOMPARE(result.envelopes.size(), 2); // s2 never started, so it has nothing to report
    QSet<QString> ids;
    for (const QJsonObject &envelope : result.envelopes) {
        QCOMPARE(str(envelope, "status"), QStringLiteral("cancelled"));
        ids.insert(str(envelope, "id"));
    }
    QCOMPARE(ids, (QSet<QString>{QStringLiteral("s0"), QStringLiteral("s1")}));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

void TestCliBatch::closedStdoutStopsTheBatch()
{
    // `… | head -n 1`: the reader leaves while the second run is still sleeping.
    const QString marker = uniqueToken(QStringLiteral("batch_epipe_"));
    QTemporaryFile input;
    QVERIFY(input.open());
    input.write(request(QStringLiteral("quick"), QStringLiteral("result = 1")) + request(QStringLiteral("held"), heldSnippet(marker)));
    input.close();
    QProcess shell;
    QElapsedTimer clock;
    clock.start();
    shell.start(QStringLiteral("/bin/bash"), QStringList{QStringLiteral("-c"), QStringLiteral(R"("$@" < "$0" | head -n 1; echo "exit=${PIPESTATUS[0]}")"), input.fileName(), cliPath()} + batchArguments());
    QVERIFY(shell.waitForFinished(30'000));
    QVERIFY2(clock.elapsed() < 15'000, "the batch waited for the held run instead of stopping");
    const QList<QByteArray> out = shell.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(out.size(), 2);
    QCOMPARE(str(QJsonDocument::fromJson(out.first()).object(), "id"), QStringLiteral("quick"));
    QCOMPARE(out.last(), QByteArray("exit=3"));
    QVERIFY(shell.readAllStandardError().contains("standard output was closed"));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

QTEST_GUILESS_MAIN(TestCliBatch)
#include "tst_cli_batch.moc"
