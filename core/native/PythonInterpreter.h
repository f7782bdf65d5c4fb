#pragma once

#include <QString>
#include <QStringList>

namespace pysandbox {

// Facts about one Python interpreter, learned by running it once.
struct PythonInterpreter
{
    QString requested;   // what the user or PATH gave us ("python3", a pyenv shim, …)
    QString executable;  // sys.executable: the real interpreter behind any shim
    QString canonicalExecutable; // executable with every symlink resolved
    QString version;     // "3.11.2"
    int major = 0;
    int minor = 0;
    QString prefix;
    QString basePrefix;
    QStringList sitePackages;
    bool hasFork = false;
    QString error;       // empty when usable

    bool isUsable() const { return error.isEmpty(); }
};

// Finds and checks the interpreter the native engine runs. Blocking: call it from a
// worker thread (the engine's probe does).
class PythonLocator
{
public:
    static constexpr int kMinimumMinor = 9; // Python 3.9+

    // The configured interpreter when set (a path or a command name), else python3 on PATH.
    static PythonInterpreter locate(const QString &configured);
    // Runs `candidate` and reads its facts; fills error when it is missing, broken or too old.
    static PythonInterpreter inspect(const QString &candidate);
};

} // namespace pysandbox
