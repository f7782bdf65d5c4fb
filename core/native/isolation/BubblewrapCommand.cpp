#include "BubblewrapCommand.h"

#include <QDir>

namespace pysandbox {

QStringList sandboxEtcFiles()
{
    // /etc/alternatives: Debian reaches BLAS/LAPACK (numpy) through its symlinks.
    return {QStringLiteral("/etc/ld.so.cache"), QStringLiteral("/etc/alternatives"), QStringLiteral("/etc/localtime"),
            QStringLiteral("/etc/matplotlibrc"), QStringLiteral("/etc/fonts"), QStringLiteral("/etc/mime.types")};
}

QStringList bubblewrapArguments(const BubblewrapPlan &plan)
{
    auto keep = [&plan](const char *layer) { return !plan.removedLayers.contains(QLatin1String(layer)); };
    QStringList args{QStringLiteral("--unshare-user"), QStringLiteral("--disable-userns")};
    const std::pair<const char *, const char *> namespaces[] = {
        {"pid-namespace", "--unshare-pid"}, {"network-namespace", "--unshare-net"}, {"ipc-namespace", "--unshare-ipc"},
        {"uts-namespace", "--unshare-uts"}, {"cgroup-namespace", "--unshare-cgroup"},
    };
    for (const auto &[layer, flag] : namespaces)
        if (keep(layer))
            args << QLatin1String(flag);
    if (keep("no-capabilities"))
        args << QStringLiteral("--cap-drop") << QStringLiteral("ALL");
    args << QStringLiteral("--die-with-parent");
    if (keep("new-session"))
        args << QStringLiteral("--new-session");
    if (keep("uts-namespace"))
        args << QStringLiteral("--hostname") << QLatin1String(sandboxpaths::kHostname);
    args << QStringLiteral("--uid") << QString::number(plan.sandboxUid) << QStringLiteral("--gid") << QString::number(plan.sandboxGid);
    if (!keep("mount-namespace"))
        args << QStringLiteral("--bind") << QStringLiteral("/") << QStringLiteral("/");
    args << QStringLiteral("--ro-bind") << QStringLiteral("/usr") << QStringLiteral("/usr");
    // Merged-/usr systems: the top-level program directories are symlinks into /usr.
    for (const char *dir : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
        if (!keep("mount-namespace"))
            break; // the host's / already has them
        const QString top = QStringLiteral("/") + QLatin1String(dir);
        const QFileInfo info(top);
        if (info.isSymLink())
            args << QStringLiteral("--symlink") << info.symLinkTarget().replace(QStringLiteral("/usr/"), QStringLiteral("usr/")) << top;
        else if (info.isDir())
            args << QStringLiteral("--ro-bind") << top << top;
    }
    for (const QString &file : sandboxEtcFiles())
        if (keep("mount-namespace")) // else the host's / already has them
            args << QStringLiteral("--ro-bind-try") << file << file;
    args << QStringLiteral("--proc") << QStringLiteral("/proc") << QStringLiteral("--dev") << QStringLiteral("/dev");
    const QString size = QString::number(std::max<qint64>(plan.scratchBytes, 1 << 20));
    // bwrap's /dev is an unbounded tmpfs: bound /dev/shm like the scratch space, and make
    // the rest read-only (device nodes still work), or it would be RAM without a limit.
    args << QStringLiteral("--perms") << QStringLiteral("1777") << QStringLiteral("--size") << size
         << QStringLiteral("--tmpfs") << QStringLiteral("/dev/shm") << QStringLiteral("--remount-ro") << QStringLiteral("/dev");
    args << QStringLiteral("--perms") << QStringLiteral("1777") << QStringLiteral("--size") << size
         << QStringLiteral("--tmpfs") << QLatin1String(sandboxpaths::kTmp);
    args << QStringLiteral("--perms") << QStringLiteral("0700") << QStringLiteral("--size") << size
         << QStringLiteral("--tmpfs") << QLatin1String(sandboxpaths::kWork);
    // After the tmpfs mounts, so that an interpreter kept under /tmp stays visible.
    for (const QString &path : plan.readOnlyPaths)
        if (!path.startsWith(QLatin1String("/usr/")) && path != QLatin1String("/usr"))
            args << QStringLiteral("--ro-bind") << path << path;
    if (!plan.readOnlyFiles.isEmpty()) {
        args << QStringLiteral("--dir") << QLatin1String(sandboxpaths::kFiles);
        for (const auto &[host, inside] : plan.readOnlyFiles)
            args << QStringLiteral("--ro-bind") << host << inside;
    }
    args << QStringLiteral("--chdir") << QLatin1String(sandboxpaths::kWork);
    if (plan.seccompFd >= 0 && keep("seccomp"))
        args << QStringLiteral("--seccomp") << QString::number(plan.seccompFd);
    args << QStringLiteral("--clearenv");
    for (const QString &variable : plan.environment) {
        const qsizetype equals = variable.indexOf(QLatin1Char('='));
        args << QStringLiteral("--setenv") << variable.left(equals) << variable.mid(equals + 1);
    }
    if (keep("read-only-root") && keep("mount-namespace"))
        args << QStringLiteral("--remount-ro") << QStringLiteral("/");
    args << QStringLiteral("--") << plan.program << plan.programArguments;
    return args;
}

} // namespace pysandbox
