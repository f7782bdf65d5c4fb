#pragma once

#include <QString>

namespace pysandbox {

class MainWindow;

// Non-interactive uses of the real window: screenshots for the docs, and a self-test for
// packaging checks. Both run the editor's snippet, wait for its result and quit.
// `resultTab` (Summary, Result, Tables, Figures; empty: as it is) is shown before the grab.
void runAndScreenshot(MainWindow *window, const QString &path, const QString &resultTab = {});
void runSelfTest(MainWindow *window);

} // namespace pysandbox
