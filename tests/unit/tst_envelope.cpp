#include "execution/ResultEnvelope.h"

#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;

class TestEnvelope : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void statusNamesRoundTrip();
    void unknownStatusIsRejected();
    void wrongVersionIsRejected();
    void roundTripKeepsEverything();
    void nonUtf8StreamsKeepTheirBytes();
    void verdictNamesTheLimit_data();
    void verdictNamesTheLimit();
};

void TestEnvelope::statusNamesRoundTrip()
{
    const QList<RunStatus> all{RunStatus::Ok, RunStatus::Error, RunStatus::Timeout, RunStatus::CpuLimit,
                               RunStatus::MemoryLimit, RunStatus::OutputLimit, RunStatus::ProcessLimit,
                               RunStatus::FileSizeLimit, RunStatus::Cancelled, RunStatus::EngineError};
    QSet<QString> names;
    for (RunStatus status : all) {
        const QString name = statusName(status);
        names.insert(name);
        QCOMPARE(statusFromName(name), std::optional<RunStatus>(status));
    }
    QCOMPARE(names.size(), all.size());
    QCOMPARE(statusName(RunStatus::MemoryLimit), QStringLiteral("memory_limit"));
}

void TestEnvelope::unknownStatusIsRejected()
{
    QString error;
    QJsonObject object = ResultEnvelope().toJson();
    object.insert(QStringLiteral("status"), QStringLiteral("great"));
    QVERIFY(!ResultEnvelope::fromJson(object, &error));
    QVERIFY(error.contains(QStringLiteral("great")));
}

void TestEnvelope::wrongVersionIsRejected()
{
    QString error;
    QJsonObject object = ResultEnvelope().toJson();
    object.insert(QStringLiteral("version"), 99);
    QVERIFY(!ResultEnvelope::fromJson(object, &error));
    QVERIFY(error.contains(QStringLiteral("99")));
}

void TestEnvelope::roundTripKeepsEverything()
{
    ResultEnvelope envelope;
    envelope.requestId = QStringLiteral("req-7");
    envelope.status = RunStatus::Error;
    envelope.statusDetail = QStringLiteral("division by zero");
    envelope.hasResult = true;
    envelope.result = QJsonObject{{QStringLiteral("a"), QJsonArray{1, 2.5, QStringLiteral("x")}}};
    envelope.stdoutStream = {"out\n", 4, false};
    envelope.stderrStream = {"err", 10, true};
    envelope.displays = QJsonArray{QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("text/plain"), QStringLiteral("Figure 1")}}}}};
    envelope.error = ErrorInfo{QStringLiteral("ZeroDivisionError"), QStringLiteral("division by zero"),
                               QStringLiteral("Traceback…"), 3, QJsonArray{}};
    envelope.usage = {12, 8, 9000, 14, 2, QJsonObject{{QStringLiteral("memory_mb"), 256}}};
    envelope.engine = {QStringLiteral("native"), QStringLiteral("0.1.0"), QStringLiteral("/usr/bin/python3"),
                       {QStringLiteral("rlimits")}, QStringLiteral("rlimits-only"), QStringLiteral("cold"), {QStringLiteral("n")}};

    const QByteArray json = QJsonDocument(envelope.toJson()).toJson();
    QString error;
    const auto back = ResultEnvelope::fromJson(QJsonDocument::fromJson(json).object(), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->requestId, envelope.requestId);
    QCOMPARE(back->status, envelope.status);
    QCOMPARE(back->result, envelope.result);
    QCOMPARE(back->stdoutStream.bytes, envelope.stdoutStream.bytes);
    QCOMPARE(back->stderrStream.truncated, true);
    QCOMPARE(back->stderrStream.totalBytes, 10);
    QCOMPARE(back->displays, envelope.displays);
    QCOMPARE(*back->error, *envelope.error);
    QCOMPARE(back->usage.peakMemoryKb, 9000);
    QCOMPARE(back->usage.limits, envelope.usage.limits);
    QCOMPARE(back->engine.isolation, envelope.engine.isolation);
    QCOMPARE(back->engine.securityLevel, envelope.engine.securityLevel);
}

void TestEnvelope::nonUtf8StreamsKeepTheirBytes()
{
    ResultEnvelope envelope;
    envelope.status = RunStatus::Ok;
    envelope.stdoutStream.bytes = QByteArray("ok \xff\xfe end", 10);
    const QJsonObject json = envelope.toJson();
    QVERIFY(json.value(QStringLiteral("stdout")).toString().contains(QChar(QChar::ReplacementCharacter)));
    QVERIFY(json.contains(QStringLiteral("stdout_base64")));
    QVERIFY(!json.contains(QStringLiteral("stderr_base64")));
    QString error;
    const auto back = ResultEnvelope::fromJson(json, &error);
    QVERIFY(back);
    QCOMPARE(back->stdoutStream.bytes, envelope.stdoutStream.bytes);
}

void TestEnvelope::verdictNamesTheLimit_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("expected");
    QTest::newRow("memory") << int(RunStatus::MemoryLimit) << QStringLiteral("stopped: memory limit 256 MB, peak 255 MB");
    QTest::newRow("timeout") << int(RunStatus::Timeout) << QStringLiteral("stopped: wall-time limit 2.5 s");
    QTest::newRow("cpu") << int(RunStatus::CpuLimit) << QStringLiteral("stopped: CPU limit 3 s, used 3.2 s");
    QTest::newRow("output") << int(RunStatus::OutputLimit) << QStringLiteral("stopped: output limit 1 MB reached");
    QTest::newRow("processes") << int(RunStatus::ProcessLimit) << QStringLiteral("stopped: process limit 8, peak 8 processes");
    QTest::newRow("cancel") << int(RunStatus::Cancelled) << QStringLiteral("stopped: cancelled by the user");
}

void TestEnvelope::verdictNamesTheLimit()
{
    QFETCH(int, status);
    QFETCH(QString, expected);
    ResultEnvelope envelope;
    envelope.status = static_cast<RunStatus>(status);
    envelope.usage.peakMemoryKb = 255 * 1024;
    envelope.usage.cpuMs = 3200;
    envelope.usage.peakProcesses = 8;
    envelope.usage.limits = QJsonObject{{QStringLiteral("memory_mb"), 256}, {QStringLiteral("wall_timeout_ms"), 2500},
                                        {QStringLiteral("cpu_seconds"), 3}, {QStringLiteral("max_output_bytes"), 1 << 20},
                                        {QStringLiteral("max_processes"), 8}};
    QCOMPARE(verdictText(envelope), expected);
}

QTEST_GUILESS_MAIN(TestEnvelope)
#include "tst_envelope.moc"
