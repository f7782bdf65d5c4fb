// `pysandbox-cli` with the microsandbox engine against the TEST EMULATOR (loopback): run with
// --server and --token, a second invocation reusing the warm VM, minting from --server-key,
// stop-sandbox, doctor, and the usage errors of the new options.
#include "CliSupport.h"
#include "MsbEmulator.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestCliMicrosandbox : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void runPrintsTheEnvelope();
    void secondInvocationFindsTheWarmVm();
    void tokenFromFileAndMintedKey();
    void refusedKeyIsAnEngineFailure();
    void doctorShowsTheServer();
    void stopSandboxStopsIt();
    void badOptionsAreUsageErrors_data();
    void badOptionsAreUsageErrors();
    void batchRunsOnTheVm();

private:
    QStringList msbArguments(const QStringList &extra = {}) const;
    QString snippet(const QString &code);
    MsbEmulator m_emulator;
    QString m_key;
    QString m_sandbox;
    QTemporaryDir m_files;
};

void TestCliMicrosandbox::initTestCase()
{
    QVERIFY2(m_emulator.start(), qPrintable(m_emulator.error()));
    m_key = m_emulator.keygen();
    m_sandbox = uniqueToken(QStringLiteral("cli-"));
}

QStringList TestCliMicrosandbox::msbArguments(const QStringList &extra) const
{
    return QStringList{QStringLiteral("--server"), m_emulator.url().toString(), QStringLiteral("--sandbox"), m_sandbox,
                       QStringLiteral("--msb"), QStringLiteral("/nonexistent/msb")}
        + extra;
}

QString TestCliMicrosandbox::snippet(const QString &code)
{
    const QString path = m_files.filePath(uniqueToken(QStringLiteral("snippet")) + QStringLiteral(".py"));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(code.toUtf8());
    return path;
}

void TestCliMicrosandbox::runPrintsTheEnvelope()
{
    const CliResult result = runCli(QStringList{QStringLiteral("run"), snippet(QStringLiteral("print('hi')\nresult = sum(inputs['xs'])")),
                                                QStringLiteral("--engine"), QStringLiteral("microsandbox"), QStringLiteral("--json"),
                                                QStringLiteral("--inputs"), QStringLiteral("{\"xs\": [1, 2, 3]}"),
                                                QStringLiteral("--token"), m_key}
                                    + msbArguments());
    QCOMPARE(result.exitCode, 0);
    const QJsonObject envelope = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(envelope.value(QStringLiteral("result")), QJsonValue(6));
    QCOMPARE(envelope.value(QStringLiteral("stdout")).toString(), QStringLiteral("hi\n"));
    const QJsonObject engine = envelope.value(QStringLiteral("engine")).toObject();
    QCOMPARE(engine.value(QStringLiteral("name")).toString(), QStringLiteral("microsandbox"));
    QCOMPARE(engine.value(QStringLiteral("security_level")).toString(), QStringLiteral("micro-vm"));
    QVERIFY(QJsonDocument(engine.value(QStringLiteral("notes")).toArray()).toJson().contains("network egress allowed"));
    // A snippet error exits 1, as on the native engine.
    const CliResult failed = runCli(QStringList{QStringLiteral("run"), snippet(QStringLiteral("1 / 0")), QStringLiteral("--engine"),
                                                QStringLiteral("microsandbox"), QStringLiteral("--token"), m_key}
                                    + msbArguments());
    QCOMPARE(failed.exitCode, 1);
    QVERIFY2(failed.err.contains("ZeroDivisionError"), failed.err.constData());
}

void TestCliMicrosandbox::secondInvocationFindsTheWarmVm()
{
    const QStringList arguments = QStringList{QStringLiteral("run"), snippet(QStringLiteral("result = 1")), QStringLiteral("--engine"),
                                              QStringLiteral("microsandbox"), QStringLiteral("--json"), QStringLiteral("--token"), m_key}
        + msbArguments();
    QCOMPARE(runCli(arguments).exitCode, 0);
    const int starts = m_emulator.countCalls(QStringLiteral("sandbox.start"));
    const CliResult again = runCli(arguments);
    QCOMPARE(again.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(again.out).object().value(QStringLiteral("engine")).toObject()
                 .value(QStringLiteral("start_path")).toString(), QStringLiteral("warm"));
    QCOMPARE(m_emulator.calls(starts), 0);
    m_emulator.clearFaults();
}

void TestCliMicrosandbox::tokenFromFileAndMintedKey()
{
    const QString tokenFile = m_files.filePath(QStringLiteral("token"));
    QFile file(tokenFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(m_key.toUtf8() + '\n');
    file.close();
    const QString code = snippet(QStringLiteral("result = 'ok'"));
    QCOMPARE(runCli(QStringList{QStringLiteral("run"), code, QStringLiteral("--engine"), QStringLiteral("microsandbox"),
                                QStringLiteral("--token"), QLatin1Char('@') + tokenFile} + msbArguments()).exitCode, 0);
    // No key at all, but the server's secret: a key is minted for the run.
    const CliResult minted = runCli(QStringList{QStringLiteral("run"), code, QStringLiteral("--engine"), QStringLiteral("microsandbox"),
                                                QStringLiteral("--server-key"), m_emulator.serverKeyFile()} + msbArguments());
    QCOMPARE(minted.exitCode, 0);
    QVERIFY(!minted.err.contains("msb_")); // the key is never printed
}

void TestCliMicrosandbox::refusedKeyIsAnEngineFailure()
{
    const CliResult refused = runCli(QStringList{QStringLiteral("run"), snippet(QStringLiteral("result = 1")), QStringLiteral("--engine"),
                                                 QStringLiteral("microsandbox"), QStringLiteral("--token"), QStringLiteral("msb_x.y.z")}
                                     + msbArguments());
    QCOMPARE(refused.exitCode, 4);
    QVERIFY2(refused.err.contains("API key"), refused.err.constData());
}

void TestCliMicrosandbox::doctorShowsTheServer()
{
    const CliResult doctor = runCli(QStringList{QStringLiteral("doctor"), QStringLiteral("--json"), QStringLiteral("--token"), m_key}
                                    + msbArguments());
    QCOMPARE(doctor.exitCode, 0);
    const QJsonObject report = QJsonDocument::fromJson(doctor.out).object();
    bool found = false;
    for (const QJsonValue &engine : report.value(QStringLiteral("engines")).toArray()) {
        const QJsonObject object = engine.toObject();
        if (object.value(QStringLiteral("engine")) == QLatin1String("microsandbox")) {
            found = true;
            QCOMPARE(object.value(QStringLiteral("ready")), QJsonValue(true));
        }
    }
    QVERIFY2(found, doctor.out.constData());
    // A server that is not there: doctor says so and Auto falls back to native.
    const CliResult down = runCli({QStringLiteral("doctor"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:1"),
                                   QStringLiteral("--msb"), QStringLiteral("/nonexistent/msb")});
    QVERIFY2(down.out.contains("server down"), down.out.constData());
    QVERIFY2(down.out.contains("auto picks: native"), down.out.constData());
}

void TestCliMicrosandbox::stopSandboxStopsIt()
{
    QCOMPARE(runCli(QStringList{QStringLiteral("run"), snippet(QStringLiteral("result = 1")), QStringLiteral("--engine"),
                                QStringLiteral("microsandbox"), QStringLiteral("--token"), m_key} + msbArguments()).exitCode, 0);
    const CliResult stopped = runCli(QStringList{QStringLiteral("stop-sandbox"), QStringLiteral("--token"), m_key} + msbArguments());
    QCOMPARE(stopped.exitCode, 0);
    QCOMPARE(stopped.out.trimmed(), QStringLiteral("Sandbox %1 stopped successfully").arg(m_sandbox).toUtf8());
    QTRY_COMPARE([&] {
        for (const QJsonValue &entry : m_emulator.state().value(QStringLiteral("sandboxes")).toArray())
            if (entry.toObject().value(QStringLiteral("name")) == m_sandbox)
                return entry.toObject().value(QStringLiteral("state")).toString();
        return QString();
    }(), QStringLiteral("STOPPED"));
    // Without a key the server refuses, and the CLI says so.
    const CliResult refused = runCli(QStringList{QStringLiteral("stop-sandbox")} + msbArguments());
    QCOMPARE(refused.exitCode, 4);
    QVERIFY2(refused.err.contains("Invalid credentials") || refused.err.contains("API key"), refused.err.constData());
}

void TestCliMicrosandbox::badOptionsAreUsageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("says");
    QTest::newRow("server not a URL") << QStringList{QStringLiteral("--server"), QStringLiteral("127.0.0.1:5555")} << "http://";
    QTest::newRow("bad namespace") << QStringList{QStringLiteral("--namespace"), QStringLiteral("-x")} << "Namespace";
    QTest::newRow("bad sandbox") << QStringList{QStringLiteral("--sandbox"), QStringLiteral("a b")} << "Sandbox name";
    QTest::newRow("tiny vm") << QStringList{QStringLiteral("--vm-memory"), QStringLiteral("5")} << "--vm-memory";
    QTest::newRow("missing token file") << QStringList{QStringLiteral("--token"), QStringLiteral("@/nonexistent/t")} << "token file";
}

void TestCliMicrosandbox::badOptionsAreUsageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, says);
    const CliResult result = runCli(QStringList{QStringLiteral("run"), QStringLiteral("-")} + arguments, "result = 1");
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(says.toUtf8()), result.err.constData());
}

void TestCliMicrosandbox::batchRunsOnTheVm()
{
    QByteArray input;
    for (int i = 0; i < 3; ++i)
        input += request(QString::number(i), QStringLiteral("result = %1 * 2").arg(i));
    const BatchResult batch = runBatch(QStringList{QStringLiteral("--engine"), QStringLiteral("microsandbox"),
                                                   QStringLiteral("--token"), m_key, QStringLiteral("--parallel"), QStringLiteral("3")}
                                           + msbArguments(),
                                       input);
    QCOMPARE(batch.exitCode, 0);
    QCOMPARE(batch.envelopes.size(), 3);
    for (const QJsonObject &envelope : batch.envelopes)
        QCOMPARE(envelope.value(QStringLiteral("result")).toInt(), envelope.value(QStringLiteral("id")).toString().toInt() * 2);
}

QTEST_GUILESS_MAIN(TestCliMicrosandbox)
#include "tst_cli_microsandbox.moc"
