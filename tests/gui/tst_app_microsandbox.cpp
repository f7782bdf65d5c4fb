// The real GUI binary with the microsandbox engine (Auto picks it when its server is ready),
// against the TEST EMULATOR: --self-test runs in the VM, and quitting stops the VM the window
// used, unless the setting microsandbox/keepWarm keeps it warm for the next start.
#include "MsbEmulator.h"
#include "TestSupport.h"

#include <QDir>
#include <QJsonArray>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestAppMicrosandbox : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void quitStopsTheVm();
    void keepWarmLeavesItRunning();

private:
    QString runApp(bool keepWarm, int *exitCode);
    QString sandboxState(const QString &name) const;
    MsbEmulator m_emulator{[] {
        MsbEmulator::Options options;
        options.dev = true;
        return options;
    }()};
    QTemporaryDir m_config;
};

void TestAppMicrosandbox::initTestCase()
{
    QVERIFY2(m_emulator.start(), qPrintable(m_emulator.error()));
}

QString TestAppMicrosandbox::sandboxState(const QString &name) const
{
    for (const QJsonValue &entry : m_emulator.state().value(QStringLiteral("sandboxes")).toArray())
        if (entry.toObject().value(QStringLiteral("name")) == name)
            return entry.toObject().value(QStringLiteral("state")).toString();
    return {};
}

QString TestAppMicrosandbox::runApp(bool keepWarm, int *exitCode)
{
    const QString profile = uniqueToken(QStringLiteral("gui"));
    {
        QSettings settings(m_config.filePath(QStringLiteral("PySandbox/PySandbox.conf")), QSettings::IniFormat);
        settings.setValue(QStringLiteral("microsandbox/profile"), profile);
        settings.setValue(QStringLiteral("microsandbox/keepWarm"), keepWarm);
        settings.setValue(QStringLiteral("microsandbox/msb"), QStringLiteral("/nonexistent/msb"));
    }
    QProcess app;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_config.path());
    environment.insert(QStringLiteral("MSB_SERVER_URL"), m_emulator.url().toString());
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    app.setProcessEnvironment(environment);
    app.start(qEnvironmentVariable("PYSANDBOX_APP"), {QStringLiteral("--self-test")});
    app.waitForFinished(60'000);
    *exitCode = app.exitStatus() == QProcess::NormalExit ? app.exitCode() : -1;
    const QByteArray out = app.readAllStandardOutput() + app.readAllStandardError();
    if (!out.contains("self-test passed") || !out.contains("micro-vm"))
        qWarning().noquote() << out;
    return stableSandboxName(profile);
}

void TestAppMicrosandbox::quitStopsTheVm()
{
    int exitCode = -1;
    const QString name = runApp(false, &exitCode);
    QCOMPARE(exitCode, 0);
    QTRY_COMPARE_WITH_TIMEOUT(sandboxState(name), QStringLiteral("STOPPED"), 10'000);
}

void TestAppMicrosandbox::keepWarmLeavesItRunning()
{
    int exitCode = -1;
    const QString name = runApp(true, &exitCode);
    QCOMPARE(exitCode, 0);
    QTest::qWait(500); // a stop would have been sent before the app exited
    QCOMPARE(sandboxState(name), QStringLiteral("RUNNING"));
}

QTEST_GUILESS_MAIN(TestAppMicrosandbox)
#include "tst_app_microsandbox.moc"
