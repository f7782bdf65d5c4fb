#include "ProcessTree.h"

#include <QHash>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace pysandbox {

namespace {

const long kTicksPerSecond = ::sysconf(_SC_CLK_TCK);
const long kPageKb = ::sysconf(_SC_PAGESIZE) / 1024;

bool readStatOf(pid_t pid, ProcessSample *out)
{
    char buffer[1024];
    if (!ProcessTree::readProcFile(pid, "stat", buffer, sizeof buffer))
        return false;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    char *cursor = std::strrchr(buffer, ')');
    if (!cursor || cursor[1] == '\0')
        return false;
    cursor += 2;
    out->pid = pid;
    out->state = *cursor;
    // Fields after the state (1-based numbering of proc(5)): 4 ppid … 14 utime 15 stime
    // 16 cutime 17 cstime … 22 starttime … 24 rss.
    long long fields[21] = {};
    char *next = cursor + 1;
    for (int field = 4; field <= 24; ++field) {
        char *end = nullptr;
        fields[field - 4] = std::strtoll(next, &end, 10);
        if (end == next)
            return false;
        next = end;
    }
    out->parent = static_cast<pid_t>(fields[0]);
    // 16 cutime and 17 cstime: children that already ended and were reaped still used CPU.
    out->cpuMs = (fields[14 - 4] + fields[15 - 4] + fields[16 - 4] + fields[17 - 4]) * 1000 / kTicksPerSecond;
    out->rssKb = fields[24 - 4] * kPageKb;
    out->startTicks = static_cast<quint64>(fields[22 - 4]);
    return true;
}

} // namespace

QList<ProcessSample> ProcessTree::scan()
{
    QList<ProcessSample> processes;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return processes;
    while (const dirent *entry = ::readdir(proc)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
        ProcessSample sample;
        if (readStatOf(static_cast<pid_t>(std::atoi(entry->d_name)), &sample))
            processes.append(sample);
    }
    ::closedir(proc);
    return processes;
}

TreeSample ProcessTree::sample(pid_t root)
{
    return sample(root, scan());
}

TreeSample ProcessTree::sample(pid_t root, const QList<ProcessSample> &processes)
{
    QMultiHash<pid_t, const ProcessSample *> children;
    const ProcessSample *rootSample = nullptr;
    for (const ProcessSample &process : processes) {
        children.insert(process.parent, &process);
        if (process.pid == root)
            rootSample = &process;
    }
    TreeSample tree;
    if (!rootSample || rootSample->state == 'Z' || rootSample->state == 'X')
        return tree;
    QList<const ProcessSample *> pending{rootSample};
    while (!pending.isEmpty()) {
        const ProcessSample *process = pending.takeLast();
        if (process->state != 'Z' && process->state != 'X') {
            ++tree.processes;
            tree.cpuMs += process->cpuMs;
            tree.rssKb += process->rssKb;
            if (process != rootSample)
                tree.descendants.append(*process);
        }
        const auto range = children.equal_range(process->pid);
        for (auto it = range.first; it != range.second; ++it)
            if (it.value() != process)
                pending.append(it.value());
    }
    return tree;
}

int ProcessTree::killDescendants(pid_t root, int rounds)
{
    if (root <= 1)
        return 0; // a run's root is never init (and "descendants of 0" would be everything)
    int signalled = 0;
    for (int round = 0; round < rounds; ++round) {
        const TreeSample tree = sample(root);
        if (tree.descendants.isEmpty())
            break;
        // Stop first so that nothing forks while the rest of the list is being killed.
        for (const ProcessSample &process : tree.descendants)
            ::kill(process.pid, SIGSTOP);
        for (const ProcessSample &process : tree.descendants)
            if (::kill(process.pid, SIGKILL) == 0)
                ++signalled;
    }
    return signalled;
}

int ProcessTree::killRemembered(const QHash<pid_t, quint64> &remembered)
{
    int signalled = 0;
    for (auto it = remembered.cbegin(); it != remembered.cend(); ++it) {
        ProcessSample current;
        if (!readStatOf(it.key(), &current) || current.startTicks != it.value() || current.state == 'Z')
            continue;
        ::kill(current.pid, SIGSTOP);
        signalled += killDescendants(current.pid);
        if (::kill(current.pid, SIGKILL) == 0)
            ++signalled;
    }
    return signalled;
}

// One read() returns what the kernel formatted: every file read here is small.
bool ProcessTree::readProcFile(pid_t pid, const char *name, char *buffer, size_t size)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const ssize_t got = ::read(fd, buffer, size - 1);
    ::close(fd);
    if (got <= 0)
        return false;
    buffer[got] = '\0';
    return true;
}

bool ProcessTree::readProcess(pid_t pid, ProcessSample *out)
{
    return pid > 0 && readStatOf(pid, out);
}

qint64 ProcessTree::availableMemoryKb()
{
    char buffer[4096];
    const int fd = ::open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const ssize_t got = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (got <= 0)
        return -1;
    buffer[got] = '\0';
    const char *line = std::strstr(buffer, "MemAvailable:");
    return line ? std::strtoll(line + 13, nullptr, 10) : -1;
}

qint64 ProcessTree::rollupKb(const TreeSample &tree, pid_t root, std::initializer_list<const char *> fields)
{
    qint64 total = 0;
    QList<pid_t> pids{root};
    for (const ProcessSample &process : tree.descendants)
        pids.append(process.pid);
    for (pid_t pid : pids) {
        char buffer[2048];
        if (!readProcFile(pid, "smaps_rollup", buffer, sizeof buffer))
            continue;
        for (const char *field : fields)
            if (const char *line = std::strstr(buffer, field))
                total += std::strtoll(line + std::strlen(field), nullptr, 10);
    }
    return total;
}

qint64 ProcessTree::proportionalSetKb(const TreeSample &tree, pid_t root)
{
    return rollupKb(tree, root, {"\nPss:"});
}

qint64 ProcessTree::privateSetKb(const TreeSample &tree, pid_t root)
{
    return rollupKb(tree, root, {"\nPrivate_Clean:", "\nPrivate_Dirty:"});
}

pid_t ProcessTree::innermostPid(pid_t pid)
{
    char buffer[4096];
    if (!readProcFile(pid, "status", buffer, sizeof buffer))
        return -1;
    const char *line = std::strstr(buffer, "\nNSpid:");
    if (!line)
        return -1;
    const char *end = std::strchr(line + 1, '\n');
    pid_t last = -1;
    for (char *cursor = const_cast<char *>(line) + 7; cursor && (!end || cursor < end);) {
        char *next = nullptr;
        const long value = std::strtol(cursor, &next, 10);
        if (next == cursor)
            break;
        last = static_cast<pid_t>(value);
        cursor = next;
    }
    return last;
}

} // namespace pysandbox
