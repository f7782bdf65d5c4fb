#include "SeccompFilter.h"

#include <QCoreApplication>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::SeccompFilter", text);
}

// Calls that no analysis snippet needs and that widen the kernel surface or reach outside.
constexpr const char *kDeniedCalls[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "keyctl", "add_key", "request_key",
    "perf_event_open", "bpf", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "mount", "umount", "umount2", "pivot_root", "chroot",
    "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr",
    "unshare", "setns",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "name_to_handle_at", "open_by_handle_at",
    "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "vhangup",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "iopl", "ioperm", "uselib", "lookup_dcookie", "_sysctl", "nfsservctl",
};

// Namespace flags that clone() may not carry.
constexpr unsigned long kNamespaceFlags[] = {
    CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP,
};

// Socket families a snippet may create (all others fail). In the empty network namespace
// AF_INET/AF_INET6 sockets exist but reach nothing.
constexpr int kAllowedFamilies[] = {AF_UNIX, AF_INET, AF_INET6};
constexpr int kLargestFamily = 63; // beyond AF_MAX (46 today), for families kernels add later

class Builder
{
public:
    Builder() : m_ctx(seccomp_init(SCMP_ACT_ALLOW)) {}
    ~Builder() { seccomp_release(m_ctx); }
    Builder(const Builder &) = delete;
    Builder &operator=(const Builder &) = delete;

    bool ok() const { return m_ctx && m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    scmp_filter_ctx ctx() const { return m_ctx; }

    // libseccomp may refuse a rule (e.g. two comparisons on one argument give -EINVAL and
    // add nothing): every return code is checked, and one failure fails the whole filter.
    template<typename... Comparisons>
    void rule(uint32_t action, const char *name, Comparisons... comparisons)
    {
        if (!ok())
            return;
        const int number = seccomp_syscall_resolve_name(name);
        if (number == __NR_SCMP_ERROR)
            return; // not a call on this architecture (e.g. iopl on arm64): nothing to deny
        const int rc = seccomp_rule_add(m_ctx, action, number, sizeof...(comparisons), comparisons...);
        if (rc != 0)
            m_error = tr("libseccomp refused the rule for %1: %2").arg(QLatin1String(name), QString::fromLocal8Bit(std::strerror(-rc)));
    }

private:
    scmp_filter_ctx m_ctx;
    QString m_error;
};

QByteArray exportBpf(scmp_filter_ctx ctx, QString *error)
{
    const int fd = ::memfd_create("pysandbox-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        *error = tr("memfd_create failed: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return {};
    }
    QByteArray bpf;
    if (const int rc = seccomp_export_bpf(ctx, fd); rc != 0) {
        *error = tr("could not export the seccomp program: %1").arg(QString::fromLocal8Bit(std::strerror(-rc)));
    } else {
        const off_t size = ::lseek(fd, 0, SEEK_END);
        bpf.resize(size > 0 ? size : 0);
        if (size <= 0 || ::pread(fd, bpf.data(), static_cast<size_t>(size), 0) != size) {
            *error = tr("could not read the exported seccomp program");
            bpf.clear();
        }
    }
    ::close(fd);
    return bpf;
}

// Between processes of one IPC namespace: every SysV and POSIX-queue call, since an id can be
// guessed without the call that created it.
constexpr const char *kWarmRunDeniedCalls[] = {
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
};

SeccompFilter finish(SeccompFilter filter, const Builder &builder)
{
    if (!builder.ok()) {
        filter.error = builder.error().isEmpty() ? tr("libseccomp could not create a filter") : builder.error();
        return filter;
    }
    filter.bpf = exportBpf(builder.ctx(), &filter.error);
    return filter;
}

} // namespace

const SeccompFilter &SeccompFilter::warmRun()
{
    static const SeccompFilter filter = buildWarmRun();
    return filter;
}

SeccompFilter SeccompFilter::buildWarmRun()
{
    SeccompFilter filter;
    Builder builder;
    const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
    for (const char *name : kWarmRunDeniedCalls) {
        builder.rule(deny, name);
        filter.deniedCalls.append(QLatin1String(name));
    }
    for (const int family : {AF_INET, AF_INET6}) {
        builder.rule(SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(family)));
        builder.rule(SCMP_ACT_ERRNO(EAFNOSUPPORT), "socketpair", SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(family)));
    }
    filter.deniedCalls.append(QStringLiteral("inet and inet6 sockets"));
    return finish(std::move(filter), builder);
}

const SeccompFilter &SeccompFilter::standard()
{
    static const SeccompFilter filter = build();
    return filter;
}

SeccompFilter SeccompFilter::build()
{
    SeccompFilter filter;
    Builder builder;
    const uint32_t deny = SCMP_ACT_ERRNO(EPERM);

    for (const char *name : kDeniedCalls) {
        builder.rule(deny, name);
        filter.deniedCalls.append(QLatin1String(name));
    }
    builder.rule(SCMP_ACT_ERRNO(ENOSYS), "clone3");
    filter.deniedCalls.append(QStringLiteral("clone3 (ENOSYS: libc falls back to clone)"));
    for (unsigned long flag : kNamespaceFlags)
        builder.rule(deny, "clone", SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    filter.deniedCalls.append(QStringLiteral("clone with namespace flags"));

    // Only querying the personality is allowed; changing it (e.g. READ_IMPLIES_EXEC) is not.
    builder.rule(deny, "personality", SCMP_A0(SCMP_CMP_NE, 0xffffffffUL));
    filter.deniedCalls.append(QStringLiteral("personality changes"));

    // The ioctl request is an int widened to unsigned long: compare the low 32 bits only.
    builder.rule(deny, "ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(TIOCSTI)));
    builder.rule(deny, "ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(TIOCLINUX)));
    filter.deniedCalls.append(QStringLiteral("ioctl TIOCSTI/TIOCLINUX"));

    for (int family = 0; family <= kLargestFamily; ++family) {
        if (std::find(std::begin(kAllowedFamilies), std::end(kAllowedFamilies), family) == std::end(kAllowedFamilies)) {
            // The kernel reads an int: compare the low 32 bits, or bit 32 set would slip past.
            builder.rule(deny, "socket", SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(family)));
            builder.rule(deny, "socketpair", SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(family)));
        }
    }
    builder.rule(deny, "socket", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xfUL, static_cast<scmp_datum_t>(SOCK_RAW)));
    builder.rule(deny, "socket", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xfUL, static_cast<scmp_datum_t>(SOCK_PACKET)));
    filter.deniedCalls.append(QStringLiteral("sockets other than unix/inet/inet6, and raw sockets"));
    return finish(std::move(filter), builder);
}

} // namespace pysandbox
