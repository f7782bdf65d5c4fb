#pragma once

#include <QString>
#include <QStringList>

namespace pysandbox {

// What this machine offers the native engine, found by trying (not by reading settings).
struct IsolationSupport
{
    QString bubblewrap;      // absolute path, empty when not found
    QString bubblewrapVersion;
    bool namespacesWork = false;  // a trial sandbox started
    bool seccompWorks = false;    // the filter compiled (it is proven per run)
    int landlockAbi = 0;          // 0: the kernel has no Landlock
    QStringList problems;         // each: what is missing, why, and how to fix it

    bool isolationAvailable() const { return namespacesWork && seccompWorks; }
};

// Blocking (starts a trial sandbox): call from a worker thread.
class IsolationProbe
{
public:
    static IsolationSupport probe(const QString &bubblewrapSetting);
    // Turns bwrap's complaint into what the user can do about it.
    static QString explainBubblewrapFailure(const QString &stderrText);
    static int landlockAbi();
};

} // namespace pysandbox
