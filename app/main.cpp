// The PySandbox GUI: wiring only.
#include "DefaultEngines.h"
#include "MainWindow.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("PySandbox"));
    QApplication::setOrganizationName(QStringLiteral("PySandbox"));
    QApplication::setApplicationVersion(QStringLiteral(PYSANDBOX_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PYSANDBOX_APP_ID));

    QTranslator qtTranslator, appTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    if (appTranslator.load(QLocale(), QStringLiteral("pysandbox"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

    pysandbox::EngineFactory *engines = pysandbox::createDefaultEngineFactory({}, &app);
    pysandbox::MainWindow window(engines);
    window.show();
    return QApplication::exec();
}
