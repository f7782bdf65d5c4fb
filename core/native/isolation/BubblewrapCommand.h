#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace pysandbox {

// Where things are inside the sandbox.
namespace sandboxpaths {
inline constexpr auto kWork = "/work";
inline constexpr auto kFiles = "/work/files";
inline constexpr auto kTmp = "/tmp";
inline constexpr auto kHostname = "pysandbox";
} // namespace sandboxpaths

// Everything bwrap needs to know for one run; turned into arguments by a pure function.
struct BubblewrapPlan
{
    QString program;                          // the interpreter (same path inside)
    QStringList programArguments;
    QStringList readOnlyPaths;                // bound read-only at the same path (prefixes, site-packages)
    QList<QPair<QString, QString>> readOnlyFiles; // host file → path inside
    QStringList environment;                  // NAME=value, the sandbox's complete environment
    qint64 scratchBytes = 64LL << 20;         // size of each RAM-backed /work and /tmp
    int seccompFd = -1;                       // fd (in bwrap) carrying the BPF program, -1 for none
    int sandboxUid = 65534;
    int sandboxGid = 65534;
    // Layers to leave out, only so that tests can prove each layer is what blocks an attack:
    // "network-namespace", "pid-namespace", "ipc-namespace", "uts-namespace",
    // "cgroup-namespace", "mount-namespace" (binds the host's / instead of a minimal view),
    // "read-only-root", "no-capabilities", "new-session", "seccomp".
    QStringList removedLayers;
};

// The arguments after "bwrap": new user, PID, network, IPC, UTS and cgroup namespaces; all
// capabilities dropped (it matters when bwrap is started by root); no nested user
// namespaces; a new session (no TIOCSTI into our terminal); death with its parent; a root
// that is an empty tmpfs remounted read-only, holding only /usr (read-only), the paths the
// plan names, a private /proc and minimal /dev, and RAM-backed /work and /tmp.
QStringList bubblewrapArguments(const BubblewrapPlan &plan);

// Host /etc files that are harmless and that Python or its libraries read.
QStringList sandboxEtcFiles();

} // namespace pysandbox
