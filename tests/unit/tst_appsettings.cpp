// The one typed settings schema: defaults, a round trip through QSettings, bad stored values
// refused with a message (the default stands), and the engine configuration it makes.
#include "settings/AppSettings.h"

#include <QTemporaryDir>
#include <QTest>

using namespace pysandbox;

class TestAppSettings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsWithoutAFile();
    void roundTrip();
    void badValuesKeepTheDefaults_data();
    void badValuesKeepTheDefaults();
    void invalidLimitsAreRefusedWhole();
    void engineConfigFollowsTheSettings();

private:
    QString file(const QString &name) { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
};

void TestAppSettings::defaultsWithoutAFile()
{
    const QSettings empty(file(QStringLiteral("empty.conf")), QSettings::IniFormat);
    const AppSettings s = AppSettings::load(empty);
    QVERIFY(s.problems.isEmpty());
    QCOMPARE(s.engine, EngineChoice::Auto);
    QVERIFY(s.requireIsolation);
    QVERIFY(s.warmStarts);
    QCOMPARE(s.defaultLimits, ExecutionOptions());
    QCOMPARE(s.msbServer, QStringLiteral("http://127.0.0.1:5555"));
    QCOMPARE(s.theme, AppSettings::Theme::System);
}

void TestAppSettings::roundTrip()
{
    AppSettings s;
    s.engine = EngineChoice::Microsandbox;
    s.interpreter = QStringLiteral("/usr/bin/python3");
    s.warmStarts = false;
    s.preload = {QStringLiteral("json")};
    s.defaultLimits.memoryMb = 256;
    s.defaultLimits.wallTimeoutMs = 5'000;
    s.msbServer = QStringLiteral("http://127.0.0.1:6000");
    s.msbNamespace = QStringLiteral("analysts");
    s.msbCpus = 2;
    s.msbFreshVm = true;
    s.msbKeepWarm = true;
    s.theme = AppSettings::Theme::Dark;
    s.editorFontSize = 13;
    {
        QSettings stored(file(QStringLiteral("round.conf")), QSettings::IniFormat);
        s.save(stored);
    }
    const QSettings stored(file(QStringLiteral("round.conf")), QSettings::IniFormat);
    const AppSettings back = AppSettings::load(stored);
    QVERIFY2(back.problems.isEmpty(), qPrintable(back.problems.join(u'\n')));
    QCOMPARE(back.engine, EngineChoice::Microsandbox);
    QCOMPARE(back.interpreter, s.interpreter);
    QCOMPARE(back.warmStarts, false);
    QCOMPARE(back.preload, s.preload);
    QCOMPARE(back.defaultLimits, s.defaultLimits);
    QCOMPARE(back.msbServer, s.msbServer);
    QCOMPARE(back.msbNamespace, s.msbNamespace);
    QCOMPARE(back.msbCpus, 2);
    QVERIFY(back.msbFreshVm && back.msbKeepWarm);
    QCOMPARE(back.theme, AppSettings::Theme::Dark);
    QCOMPARE(back.editorFontSize, 13);
}

void TestAppSettings::badValuesKeepTheDefaults_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::newRow("engine") << "engine/choice" << "docker";
    QTest::newRow("flag") << "native/warmStarts" << "perhaps";
    QTest::newRow("server") << "microsandbox/server" << "127.0.0.1:5555";
    QTest::newRow("namespace") << "microsandbox/namespace" << "-bad";
    QTest::newRow("cpus") << "microsandbox/cpus" << "0";
    QTest::newRow("memory") << "microsandbox/memoryMib" << "lots";
    QTest::newRow("theme") << "ui/theme" << "neon";
    QTest::newRow("limit") << "limits/memory_mb" << "a lot";
}

void TestAppSettings::badValuesKeepTheDefaults()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    const QString path = file(QStringLiteral("bad-%1.conf").arg(QString::fromLatin1(QTest::currentDataTag())));
    {
        QSettings stored(path, QSettings::IniFormat);
        stored.setValue(key, value);
    }
    const QSettings stored(path, QSettings::IniFormat);
    const AppSettings loaded = AppSettings::load(stored);
    QCOMPARE(loaded.problems.size(), 1);
    QVERIFY2(loaded.problems.first().contains(key), qPrintable(loaded.problems.first()));
    // Everything is as if the key were not there.
    QSettings reference(file(QStringLiteral("reference.conf")), QSettings::IniFormat);
    const AppSettings defaults = AppSettings::load(reference);
    QCOMPARE(loaded.engine, defaults.engine);
    QCOMPARE(loaded.warmStarts, defaults.warmStarts);
    QCOMPARE(loaded.msbServer, defaults.msbServer);
    QCOMPARE(loaded.msbNamespace, defaults.msbNamespace);
    QCOMPARE(loaded.msbCpus, defaults.msbCpus);
    QCOMPARE(loaded.msbMemoryMib, defaults.msbMemoryMib);
    QCOMPARE(loaded.theme, defaults.theme);
    QCOMPARE(loaded.defaultLimits, defaults.defaultLimits);
}

void TestAppSettings::invalidLimitsAreRefusedWhole()
{
    const QString path = file(QStringLiteral("limits.conf"));
    {
        QSettings stored(path, QSettings::IniFormat);
        stored.setValue(QStringLiteral("limits/memory_mb"), 512);
        stored.setValue(QStringLiteral("limits/wall_timeout_ms"), -5); // out of range
    }
    const QSettings stored(path, QSettings::IniFormat);
    const AppSettings loaded = AppSettings::load(stored);
    QCOMPARE(loaded.problems.size(), 1);
    QCOMPARE(loaded.defaultLimits, ExecutionOptions()); // not half-applied: memory_mb stays 1024 too
}

void TestAppSettings::engineConfigFollowsTheSettings()
{
    AppSettings s;
    s.interpreter = QStringLiteral("/usr/bin/python3");
    s.warmStarts = false;
    s.msbServer = QStringLiteral("http://127.0.0.1:6001");
    s.msbProfile = QStringLiteral("team a");
    s.msbServerKeyFile = QStringLiteral("/home/x/.microsandbox/server.key");
    const EngineConfig config = s.engineConfig();
    QCOMPARE(config.native.interpreter, s.interpreter);
    QCOMPARE(config.native.warmPool, false);
    QCOMPARE(config.microsandbox.server, QUrl(QStringLiteral("http://127.0.0.1:6001")));
    QCOMPARE(config.microsandbox.effectiveSandboxName(), QStringLiteral("pysandbox-team-a"));
    QVERIFY(config.microsandbox.credentials.mayMint);
    // With the default server, MSB_SERVER_URL (as the SDKs read it) decides.
    qputenv("MSB_SERVER_URL", "http://127.0.0.1:7007");
    const EngineConfig fromEnvironment = AppSettings().engineConfig();
    qunsetenv("MSB_SERVER_URL");
    QCOMPARE(fromEnvironment.microsandbox.server, QUrl(QStringLiteral("http://127.0.0.1:7007")));
}

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
