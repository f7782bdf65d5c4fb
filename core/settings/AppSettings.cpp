#include "AppSettings.h"

#include "microsandbox/MsbClient.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QUrl>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::AppSettings", text);
}

// Typed reads: the value when the key holds one of the right kind, else the default and a problem.
class Reader
{
public:
    Reader(const QSettings &settings, QStringList *problems) : m_settings(settings), m_problems(problems) {}

    QString text(const QString &key, const QString &fallback) const
    {
        const QVariant value = m_settings.value(key);
        return value.isValid() ? value.toString() : fallback;
    }
    bool flag(const QString &key, bool fallback) const
    {
        const QVariant value = m_settings.value(key);
        if (!value.isValid())
            return fallback;
        const QString word = value.toString().toLower();
        if (word == QLatin1String("true") || word == QLatin1String("1"))
            return true;
        if (word == QLatin1String("false") || word == QLatin1String("0"))
            return false;
        refuse(key, value.toString());
        return fallback;
    }
    int number(const QString &key, int fallback, int min, int max) const
    {
        const QVariant value = m_settings.value(key);
        if (!value.isValid())
            return fallback;
        bool ok = false;
        const int number = value.toString().toInt(&ok);
        if (ok && number >= min && number <= max)
            return number;
        refuse(key, value.toString());
        return fallback;
    }
    void refuse(const QString &key, const QString &value) const
    {
        m_problems->append(tr("the setting %1 = \"%2\" is not valid; the default is used").arg(key, value));
    }

private:
    const QSettings &m_settings;
    QStringList *m_problems;
};

} // namespace

QString themeName(AppSettings::Theme theme)
{
    switch (theme) {
    case AppSettings::Theme::Light: return QStringLiteral("light");
    case AppSettings::Theme::Dark: return QStringLiteral("dark");
    case AppSettings::Theme::System: break;
    }
    return QStringLiteral("system");
}

AppSettings AppSettings::load(const QSettings &settings)
{
    AppSettings s;
    const Reader read(settings, &s.problems);
    if (const QString choice = read.text(QStringLiteral("engine/choice"), QString()); !choice.isEmpty()) {
        if (const auto parsed = engineChoiceFromName(choice))
            s.engine = *parsed;
        else
            read.refuse(QStringLiteral("engine/choice"), choice);
    }
    s.interpreter = read.text(QStringLiteral("native/interpreter"), s.interpreter);
    s.requireIsolation = read.flag(QStringLiteral("native/requireIsolation"), s.requireIsolation);
    s.warmStarts = read.flag(QStringLiteral("native/warmStarts"), s.warmStarts);
    if (settings.contains(QStringLiteral("native/preload")))
        s.preload = settings.value(QStringLiteral("native/preload")).toStringList();

    // The limits under their envelope names, checked by the same code as the CLI's and batch's.
    QJsonObject limits;
    const QJsonObject defaults = s.defaultLimits.toJson();
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
        const QString key = QStringLiteral("limits/") + it.key();
        if (settings.contains(key) && it.value().isDouble()) {
            bool ok = false;
            const qint64 value = settings.value(key).toString().toLongLong(&ok);
            if (ok)
                limits.insert(it.key(), value);
            else
                read.refuse(key, settings.value(key).toString());
        }
    }
    ExecutionOptions options = s.defaultLimits;
    QString error;
    if (!limits.isEmpty()) {
        if (ExecutionOptions::fromJson(limits, &options, &error) && options.validate().isEmpty())
            s.defaultLimits = options;
        else
            s.problems.append(tr("the stored default limits are not valid (%1); the defaults are used")
                                  .arg(error.isEmpty() ? options.validate() : error));
    }

    const QString server = read.text(QStringLiteral("microsandbox/server"), s.msbServer);
    if (msb::isServerUrl(server))
        s.msbServer = server;
    else
        read.refuse(QStringLiteral("microsandbox/server"), server);
    const QString ns = read.text(QStringLiteral("microsandbox/namespace"), s.msbNamespace);
    if (msb::nameProblem(ns, msb::NameKind::Namespace).isEmpty())
        s.msbNamespace = ns;
    else
        read.refuse(QStringLiteral("microsandbox/namespace"), ns);
    s.msbProfile = read.text(QStringLiteral("microsandbox/profile"), s.msbProfile);
    s.msbImage = read.text(QStringLiteral("microsandbox/image"), s.msbImage);
    s.msbMemoryMib = read.number(QStringLiteral("microsandbox/memoryMib"), s.msbMemoryMib, 128, 1024 * 1024);
    s.msbCpus = read.number(QStringLiteral("microsandbox/cpus"), s.msbCpus, 1, 255);
    s.msbFreshVm = read.flag(QStringLiteral("microsandbox/freshVm"), s.msbFreshVm);
    s.msbServerKeyFile = read.text(QStringLiteral("microsandbox/serverKeyFile"), s.msbServerKeyFile);
    s.msbProgram = read.text(QStringLiteral("microsandbox/msb"), s.msbProgram);
    s.msbKeepWarm = read.flag(QStringLiteral("microsandbox/keepWarm"), s.msbKeepWarm);

    const QString theme = read.text(QStringLiteral("ui/theme"), QStringLiteral("system"));
    if (theme == QLatin1String("light"))
        s.theme = Theme::Light;
    else if (theme == QLatin1String("dark"))
        s.theme = Theme::Dark;
    else if (theme != QLatin1String("system"))
        read.refuse(QStringLiteral("ui/theme"), theme);
    s.editorFont = read.text(QStringLiteral("ui/editorFont"), s.editorFont);
    s.editorFontSize = read.number(QStringLiteral("ui/editorFontSize"), s.editorFontSize, 0, 96);
    return s;
}

void AppSettings::save(QSettings &settings) const
{
    settings.setValue(QStringLiteral("engine/choice"), engineChoiceName(engine));
    settings.setValue(QStringLiteral("native/interpreter"), interpreter);
    settings.setValue(QStringLiteral("native/requireIsolation"), requireIsolation);
    settings.setValue(QStringLiteral("native/warmStarts"), warmStarts);
    settings.setValue(QStringLiteral("native/preload"), preload);
    const QJsonObject limits = defaultLimits.toJson();
    for (auto it = limits.begin(); it != limits.end(); ++it)
        if (it.value().isDouble())
            settings.setValue(QStringLiteral("limits/") + it.key(), it.value().toInteger());
    settings.setValue(QStringLiteral("microsandbox/server"), msbServer);
    settings.setValue(QStringLiteral("microsandbox/namespace"), msbNamespace);
    settings.setValue(QStringLiteral("microsandbox/profile"), msbProfile);
    settings.setValue(QStringLiteral("microsandbox/image"), msbImage);
    settings.setValue(QStringLiteral("microsandbox/memoryMib"), msbMemoryMib);
    settings.setValue(QStringLiteral("microsandbox/cpus"), msbCpus);
    settings.setValue(QStringLiteral("microsandbox/freshVm"), msbFreshVm);
    settings.setValue(QStringLiteral("microsandbox/serverKeyFile"), msbServerKeyFile);
    settings.setValue(QStringLiteral("microsandbox/msb"), msbProgram);
    settings.setValue(QStringLiteral("microsandbox/keepWarm"), msbKeepWarm);
    settings.setValue(QStringLiteral("ui/theme"), themeName(theme));
    settings.setValue(QStringLiteral("ui/editorFont"), editorFont);
    settings.setValue(QStringLiteral("ui/editorFontSize"), editorFontSize);
}

EngineConfig AppSettings::engineConfig() const
{
    EngineConfig config;
    config.native.interpreter = interpreter;
    config.native.requireIsolation = requireIsolation;
    config.native.warmPool = warmStarts;
    config.native.preload = preload;
    MicrosandboxConfig msb;
    msb.server = QUrl(msbServer);
    msb.ns = msbNamespace;
    msb.profile = msbProfile;
    msb.vm.image = msbImage;
    msb.vm.memoryMib = msbMemoryMib;
    msb.vm.cpus = msbCpus;
    msb.freshVmPerRun = msbFreshVm;
    msb.msbProgram = msbProgram;
    if (!msbServerKeyFile.isEmpty()) {
        msb.credentials.serverKeyFile = msbServerKeyFile;
        msb.credentials.mayMint = true;
    }
    // The environment (as the SDKs read it) only where the settings say nothing different.
    const bool defaultServer = msbServer == AppSettings().msbServer;
    config.microsandbox = MicrosandboxConfig::fromEnvironment(msb);
    if (!defaultServer)
        config.microsandbox.server = msb.server;
    return config;
}

} // namespace pysandbox
