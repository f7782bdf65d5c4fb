#include "cli/CliArguments.h"

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

QTEST_GUILESS_MAIN(TestCliArguments)
#include "tst_cliarguments.moc"
