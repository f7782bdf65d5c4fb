#pragma once

#include <QLocale>

class QCoreApplication;

namespace pysandbox {

// Installs Qt's own and PySandbox's translators for `locale` (default: the system's UI
// languages, falling back to English). Returns the language that was loaded, or "en".
QString installTranslations(QCoreApplication *app, const QLocale &locale = QLocale());

} // namespace pysandbox
