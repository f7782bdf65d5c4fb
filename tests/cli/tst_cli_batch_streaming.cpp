// `pysandbox-cli batch` over time: each envelope is flushed as its line arrives, SIGINT cancels
// the runs in flight, and a reader that goes away (`| head -n 1`) stops the batch.
// With PYSANDBOX_TEST_ISOLATION=off the same suite runs on the rlimits-only fallback.
#include "CliSupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QTemporaryFile>
#include <QTest>

#include <csignal>

using namespace pysandbox::test;

class TestCliBatchStreaming : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(QFileInfo(cliPath()).isExecutable(), qPrintable(cliPath())); }
    void streamsEachLineAsItArrives();
    void sigintCancelsTheRunsInFlight();
    void closedStdoutStopsTheBatch();
    void theWarmPoolEndsWithTheBatch_data();
    void theWarmPoolEndsWithTheBatch();
};

void TestCliBatchStreaming::theWarmPoolEndsWithTheBatch_data()
{
    QTest::addColumn<bool>("killed");
    QTest::newRow("SIGTERM") << false;
    QTest::newRow("pysandbox-cli killed with SIGKILL") << true;
}

// The pool's sandbox (bwrap, the zygote, its spare, any run) goes with its owner, however it ends.
void TestCliBatchStreaming::theWarmPoolEndsWithTheBatch()
{
    QFETCH(bool, killed);
    if (!testsRunSandboxed())
        QSKIP("the warm pool lives in the sandbox");
    QProcess process;
    process.start(cliPath(), batchArguments());
    process.write(request(QStringLiteral("held"), QStringLiteral("import time\nprint('up', flush=True)\ntime.sleep(0.2)\nresult = 1")));
    process.write(request(QStringLiteral("long"), QStringLiteral("import time\ntime.sleep(30)")));
    QElapsedTimer clock;
    clock.start();
    while (!process.canReadLine() && clock.elapsed() < 30'000)
        process.waitForReadyRead(200);
    QVERIFY(process.canReadLine()); // the first run finished: the pool is up, the second runs
    const QByteArray owner = "\"owner\":" + QByteArray::number(process.processId());
    QVERIFY2(!processesWithMarker(owner).isEmpty(), owner.constData());
    if (killed) {
        ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
    } else {
        ::kill(static_cast<pid_t>(process.processId()), SIGTERM); // cancels the long run, then exits
    }
    QVERIFY(process.waitForFinished(20'000));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(owner).isEmpty(), 5000);
}

void TestCliBatchStreaming::streamsEachLineAsItArrives()
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
    QCOMPARE(stringField(QJsonDocument::fromJson(process.readLine()).object(), "id"), QStringLiteral("one"));
    process.write(request(QStringLiteral("two"), QStringLiteral("result = 2")));
    process.closeWriteChannel();
    QVERIFY(process.waitForFinished(20'000));
    QCOMPARE(process.exitCode(), 0);
    const QJsonObject second = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    QCOMPARE(stringField(second, "id"), QStringLiteral("two"));
    QCOMPARE(second.value(QStringLiteral("result")), QJsonValue(2));
}

void TestCliBatchStreaming::sigintCancelsTheRunsInFlight()
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
        QCOMPARE(stringField(envelope, "status"), QStringLiteral("cancelled"));
        ids.insert(stringField(envelope, "id"));
    }
    QCOMPARE(ids, (QSet<QString>{QStringLiteral("s0"), QStringLiteral("s1")}));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

void TestCliBatchStreaming::closedStdoutStopsTheBatch()
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
    QCOMPARE(stringField(QJsonDocument::fromJson(out.first()).object(), "id"), QStringLiteral("quick"));
    QCOMPARE(out.last(), QByteArray("exit=3"));
    QVERIFY(shell.readAllStandardError().contains("standard output was closed"));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

QTEST_GUILESS_MAIN(TestCliBatchStreaming)
#include "tst_cli_batch_streaming.moc"
