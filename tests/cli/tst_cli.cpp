// The real pysandbox-cli binary, driven the way a script would drive it.
#include "CliSupport.h"

#include "native/isolation/IsolationProbe.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

QStringList withPython(QStringList arguments)
{
    return arguments << QStringLiteral("--python") << testPython();
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(QFileInfo(cliPath()).isExecutable(), qPrintable(cliPath())); }
    void issueExampleJson();
    void humanOutput();
    void exitStatuses_data();
    void exitStatuses();
    void snippetFromFile();
    void nonUtf8SnippetIsAUsageError();
    void usageErrorsExplain();
    void sigintCancelsTheRun();
    void doctorReportsEngines();
    void doctorExplainsAMissingSandbox();
};

void TestCli::issueExampleJson()
{
    const CliResult result = runCli(withPython({QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--inputs"),
                                                QStringLiteral(R"({"xs":[1,2,3]})"), QStringLiteral("--json")}),
                                    "result = sum(inputs[\"xs\"])\n");
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.count('\n'), 1); // exactly one envelope
    QJsonParseError error{};
    const QJsonObject envelope = QJsonDocument::fromJson(result.out, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(envelope.value(QStringLiteral("result")), QJsonValue(6));
    QCOMPARE(envelope.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(envelope.value(QStringLiteral("version")).toInt(), 1);
}

void TestCli::humanOutput()
{
    const CliResult result = runCli(withPython({QStringLiteral("run"), QStringLiteral("-")}),
                                    "import sys\nprint('hello out')\nprint('hello err', file=sys.stderr)\nresult = {'k': [1, 2]}\n");
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray("hello out\n")); // stdout carries only the snippet's stdout
    QVERIFY(result.err.contains("hello err"));
    QVERIFY(result.err.contains(R"(result: {"k":[1,2]})"));
    QVERIFY(result.err.contains("ok"));
}

void TestCli::exitStatuses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("code");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("ok") << QStringList{} << QByteArray("result = 1") << 0 << QByteArray("ok");
    QTest::newRow("snippet error") << QStringList{} << QByteArray("x = 1\n1/0\n") << 1 << QByteArray("line 2");
    QTest::newRow("timeout") << QStringList{QStringLiteral("--timeout"), QStringLiteral("0.5")} << QByteArray("while True: pass") << 3 << QByteArray("wall-time limit");
    QTest::newRow("memory") << QStringList{QStringLiteral("--memory"), QStringLiteral("100")} << QByteArray("x = bytearray(400 << 20)") << 3 << QByteArray("memory limit 100 MB");
    QTest::newRow("output") << QStringList{QStringLiteral("--max-output"), QStringLiteral("1000")} << QByteArray("print('y' * 5000)") << 3 << QByteArray("output limit");
    QTest::newRow("microsandbox unavailable") << QStringList{QStringLiteral("--engine"), QStringLiteral("microsandbox")} << QByteArray("result = 1") << 4 << QByteArray("microsandbox");
}

void TestCli::exitStatuses()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, code);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, mentions);
    const CliResult result = runCli(withPython(QStringList{QStringLiteral("run"), QStringLiteral("-")} + arguments), code);
    QCOMPARE(result.exitCode, exitCode);
    QVERIFY2(result.err.contains(mentions), result.err.constData());
}

void TestCli::snippetFromFile()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("snippet.py")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("result = inputs['name'] * 2\n");
    file.close();
    const CliResult result = runCli(withPython({QStringLiteral("run"), file.fileName(), QStringLiteral("--inputs"),
                                                QStringLiteral(R"({"name": "ab"})"), QStringLiteral("--json")}));
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(result.out).object().value(QStringLiteral("result")).toString(), QStringLiteral("abab"));
    QCOMPARE(runCli({QStringLiteral("run"), dir.filePath(QStringLiteral("missing.py"))}).exitCode, 2);
}

void TestCli::nonUtf8SnippetIsAUsageError()
{
    const CliResult result = runCli(withPython({QStringLiteral("run"), QStringLiteral("-")}), "result = '\xff'\n");
    QCOMPARE(result.exitCode, 2);
    QVERIFY(result.err.contains("UTF-8"));
}

void TestCli::usageErrorsExplain()
{
    const CliResult noArgs = runCli({});
    QCOMPARE(noArgs.exitCode, 2);
    QVERIFY(noArgs.err.contains("Usage:"));
    const CliResult badInputs = runCli({QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--inputs"), QStringLiteral("{nope")});
    QCOMPARE(badInputs.exitCode, 2);
    QVERIFY(badInputs.err.contains("not valid JSON"));
    const CliResult badPython = runCli({QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--python"), QStringLiteral("/nonexistent/py")}, "result = 1");
    QCOMPARE(badPython.exitCode, 4);
    QVERIFY(badPython.err.contains("/nonexistent/py"));
    QCOMPARE(runCli({QStringLiteral("--help")}).exitCode, 0);
    QVERIFY(runCli({QStringLiteral("--version")}).out.startsWith("pysandbox-cli "));
}

void TestCli::sigintCancelsTheRun()
{
    const QString marker = uniqueToken(QStringLiteral("cli_cancel_"));
    QProcess process;
    process.start(cliPath(), withPython({QStringLiteral("run"), QStringLiteral("-")}));
    process.write(QStringLiteral("import subprocess, time\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 30; echo %1'])\nprint('ready', flush=True)\ntime.sleep(60)\n")
                      .arg(marker).toUtf8());
    process.closeWriteChannel();
    QVERIFY(process.waitForReadyRead(20'000));
    QTRY_VERIFY_WITH_TIMEOUT(!processesWithMarker(marker.toUtf8()).isEmpty(), 5000);
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitCode(), 3);
    QVERIFY(process.readAllStandardError().contains("cancelled"));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

void TestCli::doctorReportsEngines()
{
    // doctor takes no --python; point PATH's python3 at the test interpreter instead.
    QProcess process;
    QTemporaryDir bin;
    QFile::link(testPython(), bin.filePath(QStringLiteral("python3")));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PATH"), bin.path() + QStringLiteral(":/usr/bin:/bin"));
    process.setProcessEnvironment(env);
    process.start(cliPath(), {QStringLiteral("doctor"), QStringLiteral("--json")});
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitCode(), 0);
    const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    QCOMPARE(report.value(QStringLiteral("auto")).toString(), QStringLiteral("native"));
    const QJsonArray engines = report.value(QStringLiteral("engines")).toArray();
    QCOMPARE(engines.size(), 2);
    for (const QJsonValue &engine : engines) {
        const QJsonObject object = engine.toObject();
        const bool native = object.value(QStringLiteral("engine")).toString() == QLatin1String("native");
        QCOMPARE(object.value(QStringLiteral("ready")).toBool(), native);
        if (native) {
            QVERIFY(object.value(QStringLiteral("isolation")).toArray().contains(QStringLiteral("seccomp")));
            // Whether the GUI and batch runs will start warm, and why not when they cannot.
            const QString notes = object.value(QStringLiteral("notes")).toVariant().toStringList().join(QLatin1Char(' '));
            const bool warmPossible = IsolationProbe::landlockAbi() >= 6;
            QVERIFY2(notes.contains(warmPossible ? QLatin1String("warm starts: runs are forked") : QLatin1String("warm starts are off")),
                     qPrintable(notes));
        } else
            QVERIFY(!object.value(QStringLiteral("problems")).toArray().isEmpty()); // says why it is not ready
    }
}

void TestCli::doctorExplainsAMissingSandbox()
{
    const QStringList machine{QStringLiteral("--python"), testPython(), QStringLiteral("--bubblewrap"), QStringLiteral("/nonexistent/bwrap")};
    const CliResult refused = runCli(QStringList{QStringLiteral("doctor")} + machine);
    QCOMPARE(refused.exitCode, 4);
    QVERIFY2(refused.out.contains("apt install bubblewrap"), refused.out.constData());
    QVERIFY(refused.out.contains("require isolation"));
    const CliResult fallback = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--allow-unsandboxed"),
                                                  QStringLiteral("--json")} + machine, "result = 5");
    QCOMPARE(fallback.exitCode, 0);
    const QJsonObject envelope = QJsonDocument::fromJson(fallback.out).object();
    QCOMPARE(envelope.value(QStringLiteral("engine")).toObject().value(QStringLiteral("security_level")).toString(), QStringLiteral("rlimits-only"));
    QCOMPARE(runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + machine, "result = 5").exitCode, 4);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
