// The PySandbox GUI: wiring only.
#include "DefaultEngines.h"
#include "MainWindow.h"

#include "util/Translations.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("PySandbox"));
    QApplication::setOrganizationName(QStringLiteral("PySandbox"));
    QApplication::setApplicationVersion(QStringLiteral(PYSANDBOX_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PYSANDBOX_APP_ID));

    pysandbox::installTranslations(&app);

    pysandbox::EngineFactory *engines = pysandbox::createDefaultEngineFactory({}, &app);
    pysandbox::MainWindow window(engines);
    window.show();
    return QApplication::exec();
}
