#include "cli/BatchRequest.h"
#include "cli/CliArguments.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace pysandbox;

class TestCliArguments : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void runWithEverything();
    void inlineValues();
    void inputsFromFile();
    void invalid_data();
    void invalid();
    void exitCodes();
    void batchArguments();
    void batchLine_data();
    void batchLine();
    void batchLineMergesOptions();
    void oversizedBatchLine();
};

void TestCliArguments::runWithEverything()
{
    const CliCommand command = parseCliArguments(
        {QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--engine"), QStringLiteral("native"),
         QStringLiteral("--inputs"), QStringLiteral(R"({"xs":[1,2,3]})"), QStringLiteral("--timeout"), QStringLiteral("2.5"),
         QStringLiteral("--memory"), QStringLiteral("256"), QStringLiteral("--cpu"), QStringLiteral("3"),
         QStringLiteral("--max-output"), QStringLiteral("1000"), QStringLiteral("--json")});
    QCOMPARE(command.kind, CliCommand::Kind::Run);
    QVERIFY2(command.error.isEmpty(), qPrintable(command.error));
    QCOMPARE(command.codePath, QStringLiteral("-"));
    QCOMPARE(command.engine, EngineChoice::Native);
    QCOMPARE(command.inputs.value(QStringLiteral("xs")).toArray().size(), 3);
    QCOMPARE(command.options.wallTimeoutMs, 2500);
    QCOMPARE(command.options.memoryMb, 256);
    QCOMPARE(command.options.cpuSeconds, 3);
    QCOMPARE(command.options.maxOutputBytes, 1000);
    QVERIFY(command.json);
}

void TestCliArguments::inlineValues()
{
    const CliCommand command = parseCliArguments({QStringLiteral("run"), QStringLiteral("a.py"),
                                                  QStringLiteral("--engine=auto"), QStringLiteral("--env=K=v=w")});
    QCOMPARE(command.kind, CliCommand::Kind::Run);
    QCOMPARE(command.engine, EngineChoice::Auto);
    QCOMPARE(command.options.environment.value(QStringLiteral("K")), QStringLiteral("v=w"));
}

void TestCliArguments::inputsFromFile()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("in.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"name": "O'Brien \"x\"\n"})");
    file.close();
    const CliCommand command = parseCliArguments({QStringLiteral("run"), QStringLiteral("x.py"), QStringLiteral("--inputs"),
                                                  QLatin1Char('@') + file.fileName()});
    QCOMPARE(command.kind, CliCommand::Kind::Run);
    QCOMPARE(command.inputs.value(QStringLiteral("name")).toString(), QStringLiteral("O'Brien \"x\"\n"));
}

void TestCliArguments::invalid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("nothing") << QStringList{} << QStringLiteral("no command");
    QTest::newRow("unknown verb") << QStringList{QStringLiteral("fly")} << QStringLiteral("fly");
    QTest::newRow("no file") << QStringList{QStringLiteral("run")} << QStringLiteral("snippet file");
    QTest::newRow("two files") << QStringList{QStringLiteral("run"), QStringLiteral("a"), QStringLiteral("b")} << QStringLiteral("only one");
    QTest::newRow("bad engine") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--engine"), QStringLiteral("vm")} << QStringLiteral("vm");
    QTest::newRow("missing value") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--timeout")} << QStringLiteral("needs a value");
    QTest::newRow("bad timeout") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--timeout"), QStringLiteral("soon")} << QStringLiteral("soon");
    QTest::newRow("negative memory") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--memory"), QStringLiteral("-5")} << QStringLiteral("--memory");
    QTest::newRow("broken inputs") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--inputs"), QStringLiteral("{\"a\":")} << QStringLiteral("not valid JSON");
    QTest::newRow("inputs not object") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--inputs"), QStringLiteral("[1]")} << QStringLiteral("JSON object");
    QTest::newRow("missing inputs file") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--inputs"), QStringLiteral("@/nonexistent/x.json")} << QStringLiteral("/nonexistent/x.json");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--fast")} << QStringLiteral("--fast");
    QTest::newRow("bad env") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--env"), QStringLiteral("NOVALUE")} << QStringLiteral("NAME=value");
    QTest::newRow("doctor extra") << QStringList{QStringLiteral("doctor"), QStringLiteral("--now")} << QStringLiteral("--now");
    QTest::newRow("doctor file") << QStringList{QStringLiteral("doctor"), QStringLiteral("x.py")} << QStringLiteral("doctor takes no argument \"x.py\"");
    QTest::newRow("parallel zero") << QStringList{QStringLiteral("batch"), QStringLiteral("--parallel"), QStringLiteral("0")} << QStringLiteral("--parallel needs a whole number between 1 and 16, not \"0\"");
    QTest::newRow("parallel 17") << QStringList{QStringLiteral("batch"), QStringLiteral("--parallel=17")} << QStringLiteral("between 1 and 16");
    QTest::newRow("parallel word") << QStringList{QStringLiteral("batch"), QStringLiteral("--parallel"), QStringLiteral("all")} << QStringLiteral("\"all\"");
    QTest::newRow("batch file") << QStringList{QStringLiteral("batch"), QStringLiteral("reqs.jsonl")} << QStringLiteral("batch takes no argument \"reqs.jsonl\"");
    QTest::newRow("batch inputs") << QStringList{QStringLiteral("batch"), QStringLiteral("--inputs"), QStringLiteral("{}")} << QStringLiteral("batch does not take the option \"--inputs\"");
    QTest::newRow("batch json") << QStringList{QStringLiteral("batch"), QStringLiteral("--json")} << QStringLiteral("batch does not take the option \"--json\"");
    QTest::newRow("run parallel") << QStringList{QStringLiteral("run"), QStringLiteral("-"), QStringLiteral("--parallel"), QStringLiteral("2")} << QStringLiteral("run does not take the option \"--parallel\"");
    QTest::newRow("batch bad memory") << QStringList{QStringLiteral("batch"), QStringLiteral("--memory"), QStringLiteral("8")} << QStringLiteral("at least 32 MB");
}

void TestCliArguments::invalid()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const CliCommand command = parseCliArguments(arguments);
    QCOMPARE(command.kind, CliCommand::Kind::Invalid);
    QVERIFY2(command.error.contains(mentions), qPrintable(command.error));
}

void TestCliArguments::exitCodes()
{
    QCOMPARE(exitCodeFor(RunStatus::Ok), 0);
    QCOMPARE(exitCodeFor(RunStatus::Error), 1);
    QCOMPARE(exitCodeFor(RunStatus::Timeout), 3);
    QCOMPARE(exitCodeFor(RunStatus::MemoryLimit), 3);
    QCOMPARE(exitCodeFor(RunStatus::Cancelled), 3);
    QCOMPARE(exitCodeFor(RunStatus::EngineError), 4);
}

void TestCliArguments::batchArguments()
{
    const CliCommand defaults = parseCliArguments({QStringLiteral("batch")});
    QCOMPARE(defaults.kind, CliCommand::Kind::Batch);
    QCOMPARE(defaults.parallel, 1);
    QCOMPARE(defaults.options, ExecutionOptions());
    const CliCommand command = parseCliArguments(
        {QStringLiteral("batch"), QStringLiteral("--parallel"), QStringLiteral("16"), QStringLiteral("--engine=native"),
         QStringLiteral("--timeout"), QStringLiteral("2"), QStringLiteral("--max-processes"), QStringLiteral("8"),
         QStringLiteral("--env"), QStringLiteral("K=v"), QStringLiteral("--python"), QStringLiteral("/opt/py"),
         QStringLiteral("--bubblewrap"), QStringLiteral("/opt/bwrap"), QStringLiteral("--allow-unsandboxed")});
    QVERIFY2(command.error.isEmpty(), qPrintable(command.error));
    QCOMPARE(command.kind, CliCommand::Kind::Batch);
    QCOMPARE(command.parallel, 16);
    QCOMPARE(command.engine, EngineChoice::Native);
    QCOMPARE(command.options.wallTimeoutMs, 2000);
    QCOMPARE(command.options.maxProcesses, 8);
    QCOMPARE(command.options.environment.value(QStringLiteral("K")), QStringLiteral("v"));
    QCOMPARE(command.python, QStringLiteral("/opt/py"));
    QCOMPARE(command.bubblewrap, QStringLiteral("/opt/bwrap"));
    QVERIFY(command.allowUnsandboxed);
    // doctor keeps its options, now also in the --name=value form.
    const CliCommand doctor = parseCliArguments({QStringLiteral("doctor"), QStringLiteral("--python=/opt/py"), QStringLiteral("--json")});
    QCOMPARE(doctor.kind, CliCommand::Kind::Doctor);
    QCOMPARE(doctor.python, QStringLiteral("/opt/py"));
    QVERIFY(doctor.json);
}

void TestCliArguments::batchLine_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("error"); // empty: the line is a valid request
    QTest::addColumn<QString>("id");
    QTest::newRow("minimal") << QByteArray(R"({"code": "result = 1"})") << QString() << QString();
    QTest::newRow("string id") << QByteArray(R"({"id": "a-1", "code": "x"})") << QString() << QStringLiteral("a-1");
    QTest::newRow("integer id") << QByteArray(R"({"id": 7, "code": "x"})") << QString() << QStringLiteral("7");
    QTest::newRow("fraction id") << QByteArray(R"({"id": 1.5, "code": "x"})") << QString() << QStringLiteral("1.5");
    QTest::newRow("crlf") << QByteArray("{\"id\": 2, \"code\": \"x\"}\r") << QString() << QStringLiteral("2");
    QTest::newRow("not json") << QByteArray("hello") << QStringLiteral("line 3: not valid JSON: ") << QString();
    QTest::newRow("truncated") << QByteArray(R"({"id": 1, "code": "x")") << QStringLiteral("line 3: not valid JSON: ") << QString();
    QTest::newRow("bad utf-8") << QByteArray("{\"code\": \"\xff\"}") << QStringLiteral("line 3: not valid JSON: ") << QString();
    QTest::newRow("array") << QByteArray("[1]") << QStringLiteral("line 3: a request must be a JSON object") << QString();
    QTest::newRow("id object") << QByteArray(R"({"id": {}, "code": "x"})") << QStringLiteral("line 3: \"id\" must be a string or a number") << QString();
    QTest::newRow("id null") << QByteArray(R"({"id": null, "code": "x"})") << QStringLiteral("line 3: \"id\" must be a string or a number") << QString();
    QTest::newRow("no code") << QByteArray(R"({"id": "n"})") << QStringLiteral("line 3: \"code\" is missing") << QStringLiteral("n");
    QTest::newRow("code number") << QByteArray(R"({"id": 9, "code": 1})") << QStringLiteral("line 3: \"code\" must be a string") << QStringLiteral("9");
    QTest::newRow("inputs list") << QByteArray(R"({"id": "i", "code": "x", "inputs": [1]})") << QStringLiteral("line 3: \"inputs\" must be a JSON object") << QStringLiteral("i");
    QTest::newRow("options list") << QByteArray(R"({"id": "o", "code": "x", "options": []})") << QStringLiteral("line 3: \"options\" must be a JSON object") << QStringLiteral("o");
    QTest::newRow("bad option") << QByteArray(R"({"code": "x", "options": {"memory_mb": -1}})") << QStringLiteral("line 3: option \"memory_mb\" must be between 0 and") << QString();
    QTest::newRow("unknown option") << QByteArray(R"({"code": "x", "options": {"timeout": 5}})") << QStringLiteral("line 3: unknown option \"timeout\" (known: ") << QString();
    QTest::newRow("unknown field") << QByteArray(R"({"id": "t", "code": "x", "input": {}})") << QStringLiteral("line 3: unknown field \"input\"") << QStringLiteral("t");
}

void TestCliArguments::batchLine()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, error);
    QFETCH(QString, id);
    const BatchLine parsed = parseBatchLine(line, 3, {});
    if (error.isEmpty())
        QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
    else
        QVERIFY2(parsed.error.startsWith(error), qPrintable(parsed.error));
    QCOMPARE(parsed.request.id, id);
}

void TestCliArguments::batchLineMergesOptions()
{
    ExecutionOptions defaults;
    defaults.memoryMb = 256;
    defaults.environment.insert(QStringLiteral("FROM_CLI"), QStringLiteral("1"));
    const BatchLine parsed = parseBatchLine(
        R"({"id": "m", "code": "result = inputs['a']", "inputs": {"a": [1]}, "options": {"wall_timeout_ms": 500, "environment": {"K": "v"}}})",
        1, defaults);
    QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
    QCOMPARE(parsed.request.code, QStringLiteral("result = inputs['a']"));
    QCOMPARE(parsed.request.inputs.value(QStringLiteral("a")).toArray(), QJsonArray{1});
    QCOMPARE(parsed.request.options.wallTimeoutMs, 500); // from the line
    QCOMPARE(parsed.request.options.memoryMb, 256);      // from the command line
    // A map or list given on the line replaces the command line's, as ExecutionOptions::fromJson does.
    QCOMPARE(parsed.request.options.environment, (QMap<QString, QString>{{QStringLiteral("K"), QStringLiteral("v")}}));
    QCOMPARE(parseBatchLine(R"({"code": "x"})", 1, defaults).request.options, defaults);
}

void TestCliArguments::oversizedBatchLine()
{
    const BatchLine line = pysandbox::oversizedBatchLine(12);
    QCOMPARE(line.error, QStringLiteral("line 12: the line is longer than 64 MiB; it was skipped"));
    QVERIFY(line.request.id.isEmpty());
}

QTEST_GUILESS_MAIN(TestCliArguments)
#include "tst_cliarguments.moc"
