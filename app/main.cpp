// The PySandbox GUI: wiring only.
#include "AppAutomation.h"
#include "DefaultEngines.h"
#include "settings/AppSettings.h"
#include "MainWindow.h"
#include "Theme.h"
#include "editor/CodeEditor.h"

#include "util/Translations.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QSettings>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("PySandbox"));
    QApplication::setOrganizationName(QStringLiteral("PySandbox"));
    QApplication::setApplicationVersion(QStringLiteral(PYSANDBOX_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PYSANDBOX_APP_ID));

    pysandbox::installTranslations(&app);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Run untrusted Python snippets in a sandbox"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption selfTest(QStringLiteral("self-test"),
                                      QApplication::translate("main", "Run one snippet in the window, then exit 0 if it worked."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QApplication::translate("main", "Run the editor's snippet, save the window to <file>, exit."),
                                        QStringLiteral("file"));
    const QCommandLineOption snippet(QStringLiteral("snippet"),
                                     QApplication::translate("main", "Put the Python code of <file> into the editor."),
                                     QStringLiteral("file"));
    const QCommandLineOption resultTab(QStringLiteral("result-tab"),
                                       QApplication::translate("main", "With --screenshot: show this result tab (Summary, Result, Tables, Figures)."),
                                       QStringLiteral("tab"));
    parser.addOptions({selfTest, screenshot, snippet, resultTab});
    parser.process(app);

    // Analysts run many short snippets: a warm pool (started in the background now) answers
    // them in milliseconds; it ends with the window.
    const QSettings stored;
    const pysandbox::AppSettings settings = pysandbox::AppSettings::load(stored);
    for (const QString &problem : settings.problems)
        qWarning("%s", qPrintable(problem));
    pysandbox::applyTheme(settings.theme);
    const pysandbox::EngineConfig config = settings.engineConfig();
    pysandbox::EngineFactory *engines = pysandbox::createDefaultEngineFactory(config, &app);
    if (auto *native = qobject_cast<pysandbox::NativeEngine *>(engines->engine(pysandbox::EngineKind::Native)))
        native->prepareWarmPool();
    pysandbox::MainWindow window(engines);
    window.applySettings(settings);
    window.show();
    if (parser.isSet(snippet)) {
        QFile file(parser.value(snippet));
        if (file.open(QIODevice::ReadOnly))
            window.editor()->setText(QString::fromUtf8(file.readAll()));
    }
    if (parser.isSet(selfTest))
        pysandbox::runSelfTest(&window);
    else if (parser.isSet(screenshot))
        pysandbox::runAndScreenshot(&window, parser.value(screenshot), parser.value(resultTab));
    const int status = QApplication::exec();
    // The VM this window used goes with it, unless the user keeps it warm for the next start.
    if (!settings.msbKeepWarm)
        if (auto *vm = qobject_cast<pysandbox::MicrosandboxEngine *>(engines->engine(pysandbox::EngineKind::Microsandbox)))
            vm->stopUsedSandboxAndWait(3000);
    return status;
}
