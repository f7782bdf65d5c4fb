#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace pysandbox {

// The system-call filter every sandboxed snippet runs under, compiled with libseccomp to
// a BPF program. Default: allow. Denied: what lets a process reach past its sandbox
// (ptrace, kernel keyrings, BPF, io_uring, mounts, namespaces, module loading, TIOCSTI,
// raw/netlink/packet and other exotic sockets, …). Denied calls fail with EPERM (clone3
// with ENOSYS, so libc falls back to clone, whose flags the filter can inspect).
struct SeccompFilter
{
    QByteArray bpf;        // struct sock_filter[] as the kernel wants it
    QStringList deniedCalls; // names, for reports and docs
    QString error;         // empty on success

    bool isValid() const { return error.isEmpty() && !bpf.isEmpty(); }

    // Built once per process and cached; thread-safe.
    static const SeccompFilter &standard();
    static SeccompFilter build();

    // Stacked on the standard filter in each warm run (docs/design/warm-pool.md): concurrent
    // runs share one sandbox, so the channels between them that Landlock does not cover are
    // closed: SysV IPC, POSIX message queues, and inet sockets (loopback is shared).
    static const SeccompFilter &warmRun();
    static SeccompFilter buildWarmRun();
};

} // namespace pysandbox
