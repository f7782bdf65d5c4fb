#include "NativeLaunch.h"

#include "isolation/BubblewrapCommand.h"
#include "isolation/SeccompFilter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr int kSeccompChildFd = 5;
constexpr int kZygoteControlFd = 6;

QStringList runnerArguments(const QString &runnerSource)
{
    return {QStringLiteral("-I"), QStringLiteral("-B"), QStringLiteral("-u"), QStringLiteral("-X"), QStringLiteral("utf8"),
            QStringLiteral("-c"), runnerSource, QString::number(ChildProcess::kRequestFd),
            QString::number(ChildProcess::kResultFd)};
}

// The snippet's whole environment: nothing from the app (tokens, proxies, display and
// session-bus sockets) leaks in, only what the user allowed explicitly.
QStringList snippetEnvironment(const ExecutionOptions &options, const QString &home, const QString &tmp)
{
    QStringList environment{
        QStringLiteral("PATH=/usr/local/bin:/usr/bin:/bin"),
        QStringLiteral("LANG=C.UTF-8"),
        QStringLiteral("LC_ALL=C.UTF-8"),
        QStringLiteral("HOME=") + home,
        QStringLiteral("TMPDIR=") + tmp,
        QStringLiteral("USER=sandbox"),
        QStringLiteral("LOGNAME=sandbox"),
        QStringLiteral("MPLBACKEND=Agg"),
        QStringLiteral("MPLCONFIGDIR=") + tmp,
        QStringLiteral("OPENBLAS_NUM_THREADS=1"),
        QStringLiteral("OMP_NUM_THREADS=1"),
        QStringLiteral("MKL_NUM_THREADS=1"),
    };
    // Workarounds for CPU-specific BLAS bugs must survive the clean environment.
    const QProcessEnvironment host = QProcessEnvironment::systemEnvironment();
    for (const QString &name : {QStringLiteral("OPENBLAS_CORETYPE"), QStringLiteral("OPENBLAS_L2_SIZE")})
        if (host.contains(name))
            environment.append(name + QLatin1Char('=') + host.value(name));
    for (auto it = options.environment.cbegin(); it != options.environment.cend(); ++it)
        environment.append(it.key() + QLatin1Char('=') + it.value());
    return environment;
}

QList<ResourceLimitSpec> resourceLimits(const ExecutionOptions &options)
{
    QList<ResourceLimitSpec> limits{{RLIMIT_CORE, 0, 0}};
    auto add = [&limits](int resource, quint64 soft, quint64 hard) { limits.append({resource, soft, hard}); };
    if (options.cpuSeconds > 0)
        add(RLIMIT_CPU, static_cast<quint64>(options.cpuSeconds), static_cast<quint64>(options.cpuSeconds) + 1);
    if (options.memoryMb > 0)
        add(RLIMIT_AS, static_cast<quint64>(options.memoryMb) << 20, static_cast<quint64>(options.memoryMb) << 20);
    if (options.maxProcesses > 0)
        add(RLIMIT_NPROC, static_cast<quint64>(options.maxProcesses), static_cast<quint64>(options.maxProcesses));
    if (options.maxFileSizeBytes > 0)
        add(RLIMIT_FSIZE, static_cast<quint64>(options.maxFileSizeBytes), static_cast<quint64>(options.maxFileSizeBytes));
    return limits;
}

// Paths outside /usr that the interpreter needs: its prefixes (a pyenv or venv install) and
// the interpreter file itself (not its directory, which may hold anything). A prefix that is
// the home directory or holds it is not bound: it would show the user's files.
QStringList interpreterPaths(const PythonInterpreter &python, const QStringList &extra)
{
    const QString home = QDir::cleanPath(QDir::homePath());
    QStringList paths;
    for (const QString &path : QStringList{python.prefix, python.basePrefix, python.executable, python.canonicalExecutable}
                                   + python.sitePackages + extra) {
        const QString clean = QDir::cleanPath(path);
        if (clean.isEmpty() || clean == QLatin1String("/") || clean == QLatin1String("/usr") || clean.startsWith(QLatin1String("/usr/"))
            || !QFileInfo::exists(clean) || clean == home || home.startsWith(clean + QLatin1Char('/')))
            continue;
        bool covered = false;
        for (const QString &kept : paths)
            covered = covered || clean == kept || clean.startsWith(kept + QLatin1Char('/'));
        if (!covered)
            paths.append(clean);
    }
    return paths;
}

} // namespace

LaunchSpec plainLaunch(const NativeLaunchInputs &inputs, const QString &scratchRoot)
{
    LaunchSpec spec;
    spec.program = inputs.python.executable;
    spec.arguments = runnerArguments(inputs.runnerSource);
    spec.workingDirectory = scratchRoot + QStringLiteral("/work");
    spec.environment = snippetEnvironment(inputs.options, spec.workingDirectory, scratchRoot + QStringLiteral("/tmp"));
    spec.limits = resourceLimits(inputs.options);
    return spec;
}

namespace {

LaunchSpec bubblewrapLaunch(const NativeLaunchInputs &inputs, const QString &bubblewrap, int seccompFd,
                            const QStringList &programArguments)
{
    BubblewrapPlan plan;
    plan.program = inputs.python.executable;
    plan.programArguments = programArguments;
    plan.readOnlyPaths = interpreterPaths(inputs.python, inputs.extraReadOnlyPaths);
    for (const QString &file : inputs.options.workingFiles)
        plan.readOnlyFiles.append({QFileInfo(file).absoluteFilePath(),
                                   QLatin1String(sandboxpaths::kFiles) + QLatin1Char('/') + QFileInfo(file).fileName()});
    plan.environment = snippetEnvironment(inputs.options, QLatin1String(sandboxpaths::kWork), QLatin1String(sandboxpaths::kTmp));
    // The scratch space is RAM: bounded like a file, so filling it cannot fill the machine.
    plan.scratchBytes = inputs.options.maxFileSizeBytes > 0 ? inputs.options.maxFileSizeBytes : (1LL << 30);
    plan.seccompFd = seccompFd >= 0 ? kSeccompChildFd : -1;
    plan.removedLayers = inputs.removedLayers;

    // RLIMIT_NPROC counts the real user's tasks on the host; inside the sandbox's own user
    // namespace it counts only the sandbox's. So it is set in there, not on bwrap.
    const bool nprocInside = inputs.options.maxProcesses > 0 && QFileInfo(QStringLiteral("/usr/bin/prlimit")).isExecutable();
    if (nprocInside) {
        const QString n = QString::number(inputs.options.maxProcesses);
        plan.programArguments.prepend(plan.program);
        plan.programArguments.prepend(QStringLiteral("--nproc=%1:%1").arg(n));
        plan.program = QStringLiteral("/usr/bin/prlimit");
    }
    LaunchSpec spec;
    spec.program = bubblewrap;
    spec.arguments = bubblewrapArguments(plan);
    spec.environment = {QStringLiteral("PATH=/usr/bin:/bin")};
    spec.limits = resourceLimits(inputs.options);
    if (nprocInside)
        spec.limits.removeIf([](const ResourceLimitSpec &limit) { return limit.resource == RLIMIT_NPROC; });
    if (seccompFd >= 0)
        spec.extraFds.append({kSeccompChildFd, seccompFd});
    return spec;
}

} // namespace

LaunchSpec sandboxedLaunch(const NativeLaunchInputs &inputs, const QString &bubblewrap, int seccompFd)
{
    return bubblewrapLaunch(inputs, bubblewrap, seccompFd, runnerArguments(inputs.runnerSource));
}

LaunchSpec zygoteLaunch(const NativeLaunchInputs &inputs, const QString &bubblewrap, int seccompFd, int controlFd,
                        const QString &zygoteSource, const QStringList &preload)
{
    QStringList readOnly{QStringLiteral("/usr"), QStringLiteral("/etc"), QStringLiteral("/proc")};
    readOnly += interpreterPaths(inputs.python, inputs.extraReadOnlyPaths);
    const QByteArray &perRunFilter = SeccompFilter::warmRun().bpf;
    const QJsonObject config{
        {QStringLiteral("preload"), QJsonArray::fromStringList(preload)},
        {QStringLiteral("read_only"), QJsonArray::fromStringList(readOnly)},
        {QStringLiteral("seccomp"), QString::fromLatin1(perRunFilter.toHex())},
        {QStringLiteral("skip"), QJsonArray::fromStringList(inputs.removedLayers)},
        // In the command line, so that anyone can tell whose pool a zygote is (tests look for
        // what outlives its owner).
        {QStringLiteral("owner"), QCoreApplication::applicationPid()},
    };
    const QStringList arguments{QStringLiteral("-I"), QStringLiteral("-B"), QStringLiteral("-u"), QStringLiteral("-X"),
                                QStringLiteral("utf8"), QStringLiteral("-c"), zygoteSource, QString::number(kZygoteControlFd),
                                QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact)), inputs.runnerSource};
    LaunchSpec spec = bubblewrapLaunch(inputs, bubblewrap, seccompFd, arguments);
    spec.extraFds.append({kZygoteControlFd, controlFd});
    return spec;
}

int seccompProgramFd(QString *error)
{
    const SeccompFilter &filter = SeccompFilter::standard();
    if (!filter.isValid()) {
        *error = filter.error;
        return -1;
    }
    const int fd = ::memfd_create("pysandbox-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ::write(fd, filter.bpf.constData(), static_cast<size_t>(filter.bpf.size())) != filter.bpf.size()
        || ::lseek(fd, 0, SEEK_SET) != 0) {
        *error = QCoreApplication::translate("pysandbox::NativeLaunch", "could not hand the seccomp program to bubblewrap: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    return fd;
}

} // namespace pysandbox
