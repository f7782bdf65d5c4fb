#include "execution/ExecutionOptions.h"

#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;

class TestOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreSane();
    void roundTrip();
    void badValuesAreNamed_data();
    void badValuesAreNamed();
    void missingFieldsKeepDefaults();
};

void TestOptions::defaultsAreSane()
{
    const ExecutionOptions options;
    QVERIFY(options.validate().isEmpty());
    QVERIFY(options.wallTimeoutMs > 0);
    QVERIFY(options.memoryMb >= 256);
}

void TestOptions::roundTrip()
{
    ExecutionOptions options;
    options.wallTimeoutMs = 1500;
    options.cpuSeconds = 2;
    options.memoryMb = 300;
    options.maxOutputBytes = 4096;
    options.maxProcesses = 3;
    options.maxFileSizeBytes = 1000;
    options.workingFiles = {QStringLiteral("/tmp/a.csv")};
    options.environment = {{QStringLiteral("MY_VAR"), QStringLiteral("x=y")}};
    ExecutionOptions back;
    QString error;
    QVERIFY2(ExecutionOptions::fromJson(options.toJson(), &back, &error), qPrintable(error));
    QCOMPARE(back, options);
}

void TestOptions::badValuesAreNamed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("string timeout") << QByteArray(R"({"wall_timeout_ms": "10"})") << QStringLiteral("wall_timeout_ms");
    QTest::newRow("fraction") << QByteArray(R"({"memory_mb": 1.5})") << QStringLiteral("memory_mb");
    QTest::newRow("negative") << QByteArray(R"({"cpu_seconds": -1})") << QStringLiteral("cpu_seconds");
    QTest::newRow("zero wall") << QByteArray(R"({"wall_timeout_ms": 0})") << QStringLiteral("wall_timeout_ms");
    QTest::newRow("tiny memory") << QByteArray(R"({"memory_mb": 4})") << QStringLiteral("32 MB");
    QTest::newRow("files not list") << QByteArray(R"({"working_files": "a"})") << QStringLiteral("working_files");
    QTest::newRow("env not strings") << QByteArray(R"({"environment": {"A": 1}})") << QStringLiteral("\"A\"");
    QTest::newRow("env bad name") << QByteArray(R"({"environment": {"A=B": "1"}})") << QStringLiteral("A=B");
}

void TestOptions::badValuesAreNamed()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, mentions);
    ExecutionOptions options;
    const ExecutionOptions before = options;
    QString error;
    QVERIFY(!ExecutionOptions::fromJson(QJsonDocument::fromJson(json).object(), &options, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QCOMPARE(options, before); // a rejected object changes nothing
}

void TestOptions::missingFieldsKeepDefaults()
{
    ExecutionOptions options;
    QString error;
    QVERIFY(ExecutionOptions::fromJson(QJsonDocument::fromJson(R"({"memory_mb": 512})").object(), &options, &error));
    QCOMPARE(options.memoryMb, 512);
    QCOMPARE(options.wallTimeoutMs, ExecutionOptions().wallTimeoutMs);
}

QTEST_GUILESS_MAIN(TestOptions)
#include "tst_options.moc"
