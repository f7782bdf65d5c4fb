#include "AppAutomation.h"

#include "MainWindow.h"

#include <QApplication>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

namespace pysandbox {

void runAndScreenshot(MainWindow *window, const QString &path, const QString &resultTab)
{
    QObject::connect(window, &MainWindow::runFinished, window, [window, path, resultTab] {
        if (auto *tabs = window->findChild<QTabWidget *>(QStringLiteral("resultTabs")); tabs && !resultTab.isEmpty())
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->tabText(i).startsWith(resultTab, Qt::CaseInsensitive))
                    tabs->setCurrentIndex(i);
        // Let the panes lay out and paint the result before grabbing.
        QTimer::singleShot(300, window, [window, path] {
            const bool saved = window->grab().save(path);
            std::fprintf(saved ? stdout : stderr, "%s %s\n", saved ? "saved" : "could not save", qPrintable(path));
            QApplication::exit(saved ? 0 : 1);
        });
    });
    QTimer::singleShot(200, window, &MainWindow::runSnippet);
}

void runSelfTest(MainWindow *window)
{
    QObject::connect(window, &MainWindow::runFinished, window, [](const ResultEnvelope &envelope) {
        const bool ok = envelope.status == RunStatus::Ok && envelope.result == QJsonValue(6);
        std::fprintf(ok ? stdout : stderr, "self-test %s: %s (%s)\n", ok ? "passed" : "FAILED",
                     qPrintable(verdictText(envelope)), qPrintable(envelope.engine.securityLevel));
        QApplication::exit(ok ? 0 : 1);
    });
    QTimer::singleShot(0, window, &MainWindow::runSnippet);
}

} // namespace pysandbox
