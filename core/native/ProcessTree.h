#pragma once

#include <QHash>
#include <QList>

#include <initializer_list>

#include <sys/types.h>

namespace pysandbox {

struct ProcessSample
{
    pid_t pid = 0;
    pid_t parent = 0;
    char state = '?';
    qint64 cpuMs = 0;   // user + system of the process itself
    qint64 rssKb = 0;
    quint64 startTicks = 0; // with pid, identifies one process across pid reuse
};

struct TreeSample
{
    int processes = 0;      // live (non-zombie) processes, the root included
    qint64 cpuMs = 0;
    qint64 rssKb = 0;
    QList<ProcessSample> descendants; // live descendants of the root, not the root itself
};

// Reads /proc to measure and clean up everything a run started. Kernels here are built
// without /proc/<pid>/task/<tid>/children, so descendants are found from each process's
// parent link; a child subreaper root keeps orphans linked to it.
class ProcessTree
{
public:
    static QList<ProcessSample> scan();
    static TreeSample sample(pid_t root);
    static TreeSample sample(pid_t root, const QList<ProcessSample> &processes);
    // SIGKILLs every live descendant of root (not root), repeating until none is left or
    // `rounds` scans found more; returns how many were signalled.
    static int killDescendants(pid_t root, int rounds = 20);
    // SIGKILLs each remembered process that is still the same process (pid and start
    // time), and everything below it. For processes that left the tree, e.g. orphans of a
    // crashed root that escaped its process group.
    static int killRemembered(const QHash<pid_t, quint64> &remembered);
    // Sum of proportional set sizes (shared pages split between their users) of root and
    // its descendants: slower than RSS, so used to confirm an RSS total before acting on it.
    static qint64 proportionalSetKb(const TreeSample &tree, pid_t root);
    // Pages only root and its descendants map (a forked warm run's own memory, without the
    // preload it shares with its zygote).
    static qint64 privateSetKb(const TreeSample &tree, pid_t root);
    // The pid in the innermost PID namespace (the last NSpid entry), or -1.
    static pid_t innermostPid(pid_t pid);
    // Reads the start of /proc/<pid>/<name> into buffer as a NUL-terminated string.
    static bool readProcFile(pid_t pid, const char *name, char *buffer, size_t size);
    // One process's /proc/<pid>/stat (no scan of the others).
    static bool readProcess(pid_t pid, ProcessSample *out);
    // MemAvailable from /proc/meminfo, or -1.
    static qint64 availableMemoryKb();

private:
    static qint64 rollupKb(const TreeSample &tree, pid_t root, std::initializer_list<const char *> fields);
};

} // namespace pysandbox
