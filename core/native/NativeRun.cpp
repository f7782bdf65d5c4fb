#include "NativeRun.h"

#include "ProcessTree.h"
#include "WarmPool.h"
#include "util/ScratchDirectory.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QPointer>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTimer>

#include <QSet>

#include <csignal>
#include <cstring>

#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr int kReleaseGraceMs = 1000; // for the runner to leave after its result
constexpr qint64 kMaxWorkingFileBytes = 1LL << 30;

QString signalName(int signal)
{
    const char *description = ::strsignal(signal);
    return QStringLiteral("%1 (%2)").arg(signal).arg(QString::fromLocal8Bit(description ? description : "unknown"));
}

// A warm run's files live in the pool's one RAM-backed /work, shared by every run: its use
// (seen from the host through the zygote's root) tells how much a run has written.
qint64 warmScratchUsedBytes(pid_t zygote)
{
    struct statfs info {};
    const QByteArray path = QStringLiteral("/proc/%1/root/work").arg(zygote).toLocal8Bit();
    if (zygote <= 0 || ::statfs(path.constData(), &info) != 0)
        return -1;
    return static_cast<qint64>(info.f_blocks - info.f_bfree) * static_cast<qint64>(info.f_bsize);
}

QJsonObject limitsJson(const ExecutionOptions &options)
{
    QJsonObject limits = options.toJson();
    limits.remove(QStringLiteral("working_files"));
    limits.remove(QStringLiteral("environment"));
    return limits;
}

} // namespace

NativeRun::NativeRun(ExecutionRequest request, NativeEngineConfig config, QFuture<NativeEnvironment> environment,
                     QString runnerSource, WarmPoolProvider warmPool, QObject *parent)
    : ExecutionRun(parent)
    , m_request(std::move(request))
    , m_config(std::move(config))
    , m_environmentFuture(std::move(environment))
    , m_runnerSource(std::move(runnerSource))
    , m_warmPool(std::move(warmPool))
{
}

NativeRun::~NativeRun()
{
    if (m_child && m_child->isRunning()) {
        if (!m_child->isWarm()) // a warm run's leftovers are the zygote's to kill
            ProcessTree::killDescendants(m_child->pid());
        m_child->killGroup();
    }
    delete m_child; // reaps the child before the scratch tree goes
    if (m_scratch)
        removeScratchTree(m_scratch->path());
}

void NativeRun::begin()
{
    if (m_environmentFuture.isFinished()) {
        launch(m_environmentFuture.result());
        return;
    }
    connect(&m_environmentWatcher, &QFutureWatcher<NativeEnvironment>::finished, this,
            [this] { launch(m_environmentWatcher.result()); });
    m_environmentWatcher.setFuture(m_environmentFuture);
}

void NativeRun::fail(const QString &message)
{
    ResultEnvelope envelope = ResultEnvelope::engineFailure(QStringLiteral("native"), message);
    envelope.requestId = m_request.id;
    envelope.usage.limits = limitsJson(m_request.options);
    envelope.engine.version = QStringLiteral(PYSANDBOX_VERSION);
    envelope.engine.interpreter = m_python.executable;
    finishLater(std::move(envelope));
}

void NativeRun::launch(const NativeEnvironment &environment)
{
    m_python = environment.python;
    if (m_stopReason == StopReason::Cancel) {
        ResultEnvelope envelope;
        envelope.requestId = m_request.id;
        envelope.status = RunStatus::Cancelled;
        envelope.statusDetail = tr("cancelled before the interpreter started");
        envelope.engine.name = QStringLiteral("native");
        envelope.usage.limits = limitsJson(m_request.options);
        finishLater(std::move(envelope));
        return;
    }
    if (!m_python.isUsable())
        return fail(m_python.error);
    if (const QString problem = m_request.options.validate(); !problem.isEmpty())
        return fail(problem);
    if (m_runnerSource.isEmpty())
        return fail(tr("the Python runner resource is missing from this build"));
    m_sandboxed = m_config.useIsolation && environment.isolation.isolationAvailable();
    if (!m_sandboxed && m_config.requireIsolation) {
        const QString why = m_config.useIsolation ? environment.isolation.problems.join(QStringLiteral("; "))
                                                  : tr("isolation is switched off in the settings");
        return fail(tr("isolation is required but not available (%1); turn off \"require isolation\" to run "
                       "with resource limits only").arg(why));
    }
    QString error;
    if (!checkWorkingFiles(&error))
        return fail(error);
    if (WarmPool *pool = chooseWarmPool(environment)) {
        if (pool->state() == WarmPool::State::Starting) {
            // Wait for the preload rather than pay for it in a cold start as well.
            m_environment = environment;
            m_waitingForPool = true;
            auto retry = [this, guard = QPointer<WarmPool>(pool)] {
                if (!m_waitingForPool)
                    return;
                m_waitingForPool = false;
                if (guard)
                    guard->disconnect(this);
                launch(m_environment);
            };
            connect(pool, &WarmPool::stateChanged, this, retry);
            connect(pool, &QObject::destroyed, this, retry); // rebuilt meanwhile: ask again
            return;
        }
        if (launchWarm(pool, &error))
            return;
        m_coldReason = error;
    }
    if (!prepareScratch(!m_sandboxed, &error))
        return fail(error);

    const NativeLaunchInputs inputs{m_request.options, m_python, m_runnerSource, m_config.extraReadOnlyPaths,
                                    m_config.removedLayersForTesting};
    LaunchSpec spec;
    int seccompFd = -1;
    if (m_sandboxed) {
        seccompFd = seccompProgramFd(&error);
        if (seccompFd < 0)
            return fail(error);
        spec = sandboxedLaunch(inputs, environment.isolation.bubblewrap, seccompFd);
    } else {
        spec = plainLaunch(inputs, m_scratch->path());
    }

    m_child = new ChildProcess(this);
    connect(m_child, &ChildProcess::readyRead, this, &NativeRun::onChunk);
    connect(m_child, &ChildProcess::exited, this, &NativeRun::onExit);
    m_clock.start();
    const bool started = m_child->start(spec, &error);
    if (seccompFd >= 0)
        ::close(seccompFd); // the child has its copy
    if (!started)
        return fail(error);
    m_child->writeRequest(runner::encodeRequest(m_request, m_config.runnerLimits));
    startTimers();
}

WarmPool *NativeRun::chooseWarmPool(const NativeEnvironment &environment)
{
    if (!m_sandboxed || !m_warmPool)
        return nullptr;
    WarmPool *pool = m_warmPool(environment, &m_coldReason);
    if (pool && !m_request.options.workingFiles.isEmpty()) {
        m_coldReason = tr("input files are bound into a sandbox of their own");
        return nullptr;
    }
    if (pool && m_config.warmPoolMinAvailableMb > 0) {
        const qint64 availableMb = ProcessTree::availableMemoryKb() / 1024;
        if (availableMb >= 0 && availableMb < m_config.warmPoolMinAvailableMb) {
            m_coldReason = tr("only %1 MB of memory is free (a warm start needs %2 MB)")
                               .arg(availableMb).arg(m_config.warmPoolMinAvailableMb);
            return nullptr;
        }
    }
    return pool;
}

bool NativeRun::launchWarm(WarmPool *pool, QString *error)
{
    const ExecutionOptions &options = m_request.options;
    const QJsonObject header{{QStringLiteral("type"), QStringLiteral("run")}, {QStringLiteral("limits"), QJsonObject{
        {QStringLiteral("cpu_seconds"), options.cpuSeconds},
        {QStringLiteral("memory_mb"), options.memoryMb},
        {QStringLiteral("max_processes"), options.maxProcesses},
        {QStringLiteral("max_file_size"), options.maxFileSizeBytes},
    }}};
    m_child = new ChildProcess(this);
    connect(m_child, &ChildProcess::readyRead, this, &NativeRun::onChunk);
    connect(m_child, &ChildProcess::exited, this, &NativeRun::onExit);
    m_clock.start();
    if (!pool->launch(m_child, QJsonDocument(header).toJson(QJsonDocument::Compact), error)) {
        delete m_child;
        m_child = nullptr;
        return false;
    }
    m_pool = pool;
    m_child->writeRequest(runner::encodeRequest(m_request, m_config.runnerLimits, true));
    m_scratchBaseline = warmScratchUsedBytes(pool->zygotePid());
    startTimers();
    return true;
}

void NativeRun::startTimers()
{
    m_wallTimer = new QTimer(this);
    m_wallTimer->setSingleShot(true);
    m_wallTimer->setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5 % early
    connect(m_wallTimer, &QTimer::timeout, this, [this] { stop(StopReason::Timeout); });
    m_wallTimer->start(static_cast<int>(std::min<qint64>(m_request.options.wallTimeoutMs, INT_MAX)));

    m_monitorTimer = new QTimer(this);
    connect(m_monitorTimer, &QTimer::timeout, this, &NativeRun::sampleTree);
    m_monitorTimer->start(m_config.monitorIntervalMs);
}

bool NativeRun::checkWorkingFiles(QString *error) const
{
    QSet<QString> names;
    qint64 total = 0;
    for (const QString &path : m_request.options.workingFiles) {
        const QFileInfo source(path);
        total += source.size();
        if (!source.isFile() || !source.isReadable() || names.contains(source.fileName()) || total > kMaxWorkingFileBytes) {
            *error = tr("could not provide the input file \"%1\" (missing, unreadable, not a regular file, a duplicate "
                        "name, or over 1 GB in total)").arg(path);
            return false;
        }
        names.insert(source.fileName());
    }
    return true;
}

bool NativeRun::prepareScratch(bool copyFiles, QString *error)
{
    if (!copyFiles)
        return true; // the sandbox brings its own RAM-backed /work and /tmp, and binds the files
    m_scratch = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/pysandbox-run-XXXXXX"));
    m_scratch->setAutoRemove(false); // removeScratchTree copes with what the snippet did to it
    const QDir root(m_scratch->path());
    if (!m_scratch->isValid() || !root.mkpath(QStringLiteral("work/files")) || !root.mkpath(QStringLiteral("tmp"))) {
        *error = tr("could not create a scratch directory in %1").arg(QDir::tempPath());
        return false;
    }
    for (const QString &path : m_request.options.workingFiles) {
        const QString target = root.filePath(QStringLiteral("work/files/") + QFileInfo(path).fileName());
        if (!QFile::copy(path, target)) {
            *error = tr("could not copy the input file \"%1\" into the scratch directory").arg(path);
            return false;
        }
        QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    }
    return true;
}

void NativeRun::onChunk(ChildProcess::Channel channel, const QByteArray &chunk)
{
    if (channel == ChildProcess::Channel::Result) {
        if (m_frame.append(chunk) == runner::FrameReader::State::Incomplete)
            return;
        m_child->stopReading(ChildProcess::Channel::Result);
        if (m_frame.state() == runner::FrameReader::State::Oversized)
            stop(StopReason::ResultTooLarge);
        else
            onResultFrame();
        return;
    }
    const qint64 cap = m_request.options.maxOutputBytes;
    CapturedStream &stream = channel == ChildProcess::Channel::Stdout ? m_stdout : m_stderr;
    const OutputStream which = channel == ChildProcess::Channel::Stdout ? OutputStream::Stdout : OutputStream::Stderr;
    stream.totalBytes += chunk.size();
    QByteArray kept = chunk;
    if (cap > 0 && m_outputBytes + chunk.size() > cap) {
        kept.truncate(cap - m_outputBytes);
        stream.truncated = true;
    }
    m_outputBytes += kept.size();
    stream.bytes += kept;
    if (!kept.isEmpty())
        Q_EMIT output(which, kept);
    if (stream.truncated) {
        m_child->stopReading(ChildProcess::Channel::Stdout);
        m_child->stopReading(ChildProcess::Channel::Stderr);
        stop(StopReason::Output);
    }
}

void NativeRun::onResultFrame()
{
    if (m_child->isWarm()) {
        // The result is in and the runner flushed the snippet's output before it: the run is
        // over. Waiting for the exit would add the teardown of the preload's address space
        // (~2 ms) to every run; the zygote reaps it and kills whatever the snippet left.
        // Nothing here scans /proc: this is on every run's path.
        if (!m_verified && m_child->pid() > 0)
            verifyLayers(m_child->pid());
        ChildExit finished;
        ProcessSample runner;
        if (ProcessTree::readProcess(m_child->pid(), &runner))
            finished.userCpuUs = runner.cpuMs * 1000;
        char status[4096];
        if (ProcessTree::readProcFile(m_child->pid(), "status", status, sizeof status))
            if (const char *peak = std::strstr(status, "\nVmHWM:")) // its peak RSS so far
                finished.maxRssKb = std::strtoll(peak + 7, nullptr, 10);
        m_child->drainOutput();
        m_child->disconnect(this);
        m_child->closeRequest();
        if (m_pool)
            m_pool->runFinished(m_child->warmRunName()); // before any later run of this pool starts
        onExit(finished);
        return;
    }
    // The runner waits for our release: the moment to confirm which layers held it.
    const TreeSample tree = ProcessTree::sample(m_child->pid());
    const pid_t runner = runnerPid(tree);
    if (m_sandboxed && !m_verified && runner > 0)
        verifyLayers(runner);
    if (m_child->isWarm() && runner > 0)
        m_peakRssKb = std::max(m_peakRssKb, ProcessTree::privateSetKb(tree, runner));
    // The snippet is done: nothing it started may outlive it, including daemons that
    // double-forked away from the runner to bubblewrap's init. Then let the runner leave.
    // (A warm run's orphans go to the zygote, which kills them.)
    if (m_sandboxed && !m_child->isWarm() && runner > 0)
        for (const ProcessSample &process : tree.descendants)
            if (process.pid != runner && ProcessTree::innermostPid(process.pid) > 2)
                ::kill(process.pid, SIGKILL);
    ProcessTree::killDescendants(runner > 0 ? runner : m_child->pid());
    releaseRunner();
}

void NativeRun::releaseRunner()
{
    m_child->closeRequest();
    if (!m_graceTimer) {
        m_graceTimer = new QTimer(this);
        m_graceTimer->setSingleShot(true);
        connect(m_graceTimer, &QTimer::timeout, m_child, &ChildProcess::killGroup);
        m_graceTimer->start(kReleaseGraceMs);
    }
}

void NativeRun::sampleTree()
{
    if (!m_child || !m_child->isRunning() || m_child->pid() <= 0)
        return;
    const TreeSample tree = ProcessTree::sample(m_child->pid());
    for (const ProcessSample &process : tree.descendants)
        m_seenProcesses.insert(process.pid, process.startTicks);
    if (m_sandboxed && !m_verified)
        if (const pid_t runner = runnerPid(tree); runner > 0)
            verifyLayers(runner);
    // bubblewrap's own two processes (outside and the namespace's init) are not the snippet's.
    const bool warm = m_child->isWarm();
    const int processes = std::max(1, tree.processes - (m_sandboxed && !warm ? 2 : 0));
    m_peakProcesses = std::max(m_peakProcesses, processes);
    m_treeCpuMs = std::max(m_treeCpuMs, tree.cpuMs);
    const ExecutionOptions &options = m_request.options;
    // rlimits are per process (and RLIMIT_NPROC is ignored for root); these checks hold
    // the whole tree to the limits the user set.
    // RSS counts a copy-on-write page once per process that maps it (a forked pool would
    // look many times its size): when several processes share pages and the total matters
    // (a new peak, or over the limit), PSS (shared pages split between their users) decides.
    // A warm run shares the preload with its zygote: only its private pages are its own.
    const qint64 limitKb = static_cast<qint64>(options.memoryMb) * 1024;
    qint64 memoryKb = tree.rssKb;
    const bool confirm = tree.rssKb > m_peakRawRssKb || (options.memoryMb > 0 && tree.rssKb > limitKb);
    if (warm) {
        // What it added over the shared preload; the slower private-page count confirms a stop.
        memoryKb = std::max<qint64>(0, tree.rssKb - m_child->warmStartRssKb());
        if (options.memoryMb > 0 && memoryKb > limitKb)
            memoryKb = std::min(memoryKb, ProcessTree::privateSetKb(tree, m_child->pid()));
    } else if (tree.processes > 1 && confirm)
        memoryKb = std::min(tree.rssKb, ProcessTree::proportionalSetKb(tree, m_child->pid()));
    m_peakRawRssKb = std::max(m_peakRawRssKb, tree.rssKb);
    m_peakRssKb = std::max(m_peakRssKb, memoryKb);
    if (options.memoryMb > 0 && memoryKb > limitKb)
        stop(StopReason::Memory);
    else if (options.cpuSeconds > 0 && tree.cpuMs > static_cast<qint64>(options.cpuSeconds) * 1000)
        stop(StopReason::Cpu);
    else if (options.maxProcesses > 0 && processes > options.maxProcesses)
        stop(StopReason::Processes);
    else if (warm && m_scratchBaseline >= 0 && options.maxFileSizeBytes > 0
             && warmScratchUsedBytes(m_child->zygotePid()) - m_scratchBaseline > options.maxFileSizeBytes)
        stop(StopReason::Disk); // RLIMIT_FSIZE bounds each file; this, all of them together
}

void NativeRun::stop(StopReason reason)
{
    if (m_stopReason == StopReason::None)
        m_stopReason = reason;
    if (!m_child || !m_child->isRunning())
        return;
    ProcessTree::killDescendants(m_child->pid());
    m_child->killGroup();
}

void NativeRun::cancel()
{
    if (isFinished())
        return;
    if (m_stopReason == StopReason::None)
        m_stopReason = StopReason::Cancel;
    if (m_waitingForPool) {
        m_waitingForPool = false;
        return launch(m_environment); // finishes as cancelled
    }
    if (!m_child || !m_child->isRunning())
        return; // launch() sees the reason and finishes as cancelled
    // Interrupt first so the snippet gets a KeyboardInterrupt and can clean up; kill after a grace.
    // Inside a sandbox the runner is bubblewrap's grandchild, and bubblewrap forwards nothing.
    if (const pid_t runner = runnerPid(ProcessTree::sample(m_child->pid())); runner > 0)
        ::kill(runner, SIGINT);
    QTimer::singleShot(m_config.interruptGraceMs, this, [this] { stop(StopReason::Cancel); });
}

bool NativeRun::cpuLimitReached(const ChildExit &exit) const
{
    const qint64 limitMs = m_request.options.cpuSeconds * 1000LL;
    const qint64 measuredMs = std::max((exit.userCpuUs + exit.systemCpuUs) / 1000, m_treeCpuMs);
    return limitMs > 0 && measuredMs * 4 >= limitMs * 3; // ≥ 75 %: samples lag under load
}

pid_t NativeRun::runnerPid(const TreeSample &tree) const
{
    if (!m_child)
        return -1;
    if (!m_sandboxed || m_child->isWarm())
        return m_child->isRunning() ? m_child->pid() : -1;
    // Inside the sandbox bubblewrap's init is pid 1 and the runner pid 2; a snippet can rename
    // itself but cannot change its pid.
    for (const ProcessSample &process : tree.descendants)
        if (ProcessTree::innermostPid(process.pid) == 2)
            return process.pid;
    return -1;
}

void NativeRun::verifyLayers(pid_t runner)
{
    if (!m_child->isWarm()) {
        m_verified = verifySandboxLayers(runner);
        return;
    }
    m_verified = m_pool ? verifySandboxLayersLike(runner, m_child->zygotePid(), m_pool->zygoteLayers())
                        : verifySandboxLayers(runner);
    // The per-run layers of a warm child: its stacked seccomp filter shows in /proc; Landlock
    // does not, so it is the child's own report, made before any user code ran.
    char status[4096];
    const char *filters = ProcessTree::readProcFile(runner, "status", status, sizeof status)
        ? std::strstr(status, "\nSeccomp_filters:") : nullptr;
    if (filters && std::strtol(filters + 17, nullptr, 10) >= 2)
        m_verified->active.append(QStringLiteral("per-run-seccomp"));
    else
        m_verified->unverified.append(QStringLiteral("per-run-seccomp"));
    if (m_child->warmLandlockAbi() >= 6)
        m_verified->active.append(QStringLiteral("landlock"));
    else
        m_verified->unverified.append(QStringLiteral("landlock"));
}

QStringList NativeRun::activeLayers() const
{
    QStringList layers = NativeEngine::hostLayers();
    if (m_verified)
        layers += m_verified->active;
    return layers;
}

RunStatus NativeRun::decideStatus(const ChildExit &exit, const std::optional<runner::RunnerResult> &result) const
{
    switch (m_stopReason) {
    case StopReason::Cancel:
        return RunStatus::Cancelled;
    case StopReason::Timeout:
        return RunStatus::Timeout;
    case StopReason::Output:
        return RunStatus::OutputLimit;
    case StopReason::Memory:
        return RunStatus::MemoryLimit;
    case StopReason::Cpu:
        return RunStatus::CpuLimit;
    case StopReason::Processes:
        return RunStatus::ProcessLimit;
    case StopReason::Disk:
        return RunStatus::FileSizeLimit;
    case StopReason::ResultTooLarge:
        return RunStatus::EngineError;
    case StopReason::None:
        break;
    }
    const ExecutionOptions &options = m_request.options;
    // A snippet can end with any exit status or signal itself (os._exit(152) looks like
    // SIGXCPU through bubblewrap): a CPU verdict needs the CPU time the host measured too.
    if (exit.signaled && (exit.signal == SIGXCPU || exit.signal == SIGKILL) && cpuLimitReached(exit))
        return RunStatus::CpuLimit;
    if (exit.signaled && exit.signal == SIGXFSZ && options.maxFileSizeBytes > 0 && (!m_sandboxed || m_child->isWarm()))
        return RunStatus::FileSizeLimit; // a real signal (wait4 saw it): not through bubblewrap
    if (exit.supervisorLost || !m_child->warmSetupError().isEmpty())
        return RunStatus::EngineError;
    if (!result)
        return m_frame.state() == runner::FrameReader::State::Complete ? RunStatus::EngineError : RunStatus::Error;
    if (!result->error)
        return RunStatus::Ok;
    // Limits enforced by the kernel surface inside Python as exceptions; the verdict is
    // tied to the limit the host set, so a snippet cannot claim a limit that was not there.
    const ErrorInfo &error = *result->error;
    if (error.type == QLatin1String("MemoryError") && options.memoryMb > 0)
        return RunStatus::MemoryLimit;
    if (error.message.contains(QLatin1String("[Errno 27]")) && options.maxFileSizeBytes > 0)
        return RunStatus::FileSizeLimit;
    if (error.type == QLatin1String("BlockingIOError") && error.message.contains(QLatin1String("[Errno 11]"))
        && error.traceback.contains(QLatin1String("fork")) && options.maxProcesses > 0)
        return RunStatus::ProcessLimit; // RLIMIT_NPROC refused a fork
    return RunStatus::Error;
}

void NativeRun::onExit(const ChildExit &reaped)
{
    // bubblewrap reports a child killed by signal N as exit status 128 + N.
    ChildExit exit = reaped;
    const bool warm = m_child->isWarm();
    if (m_sandboxed && !warm && !exit.signaled && exit.exitCode > 128 && exit.exitCode < 128 + 65) {
        exit.signaled = true;
        exit.signal = exit.exitCode - 128;
    }
    // Leftovers of a crashed runner are no longer below it: take its process group, and
    // every process the monitor saw, wherever it went (new session, double fork).
    m_child->killGroup();
    ProcessTree::killRemembered(m_seenProcesses);
    const qint64 wallMs = m_clock.elapsed();

    std::optional<runner::RunnerResult> result;
    QString protocolError;
    if (m_frame.state() == runner::FrameReader::State::Complete)
        result = runner::parseResult(m_frame.payload(), &protocolError);

    ResultEnvelope envelope;
    envelope.requestId = m_request.id;
    envelope.status = decideStatus(exit, result);
    envelope.stdoutStream = m_stdout;
    envelope.stderrStream = m_stderr;
    if (result) {
        envelope.hasResult = result->hasResult;
        envelope.result = result->result;
        envelope.resultTruncated = result->resultTruncated;
        envelope.displays = result->displays;
        envelope.error = result->error;
    }
    if (!result && envelope.status == RunStatus::Error) {
        ErrorInfo crash;
        if (exit.signaled && m_sandboxed) {
            // Through bubblewrap a signal is only an exit status of 128 + N, which a snippet
            // can also produce with os._exit(): say what was seen.
            crash.type = QStringLiteral("ProcessCrash");
            crash.message = tr("Python ended with status %1 (signal %2) before it returned a result")
                                .arg(reaped.exitCode)
                                .arg(signalName(exit.signal));
        } else if (exit.signaled) {
            crash.type = QStringLiteral("ProcessCrash");
            crash.message = tr("Python was killed by signal %1 before it returned a result").arg(signalName(exit.signal));
        } else {
            crash.type = QStringLiteral("ProcessExit");
            crash.message = tr("Python exited with code %1 before it returned a result").arg(exit.exitCode);
        }
        envelope.error = crash;
    }
    switch (envelope.status) {
    case RunStatus::EngineError:
        if (m_stopReason == StopReason::ResultTooLarge)
            envelope.statusDetail = tr("the result was larger than %1 MB").arg(runner::kMaxFrameBytes >> 20);
        else if (exit.supervisorLost)
            envelope.statusDetail = tr("the warm interpreter stopped during the run; the next run gets a new one");
        else if (!m_child->warmSetupError().isEmpty())
            envelope.statusDetail = tr("the warm run could not lock itself down: %1").arg(m_child->warmSetupError());
        else
            envelope.statusDetail = protocolError;
        break;
    case RunStatus::Ok:
        break;
    case RunStatus::FileSizeLimit:
        if (m_stopReason == StopReason::Disk) {
            envelope.statusDetail = tr("the run's files grew past the %1 MB limit").arg(m_request.options.maxFileSizeBytes >> 20);
            break;
        }
        [[fallthrough]];
    case RunStatus::MemoryLimit:
    case RunStatus::ProcessLimit:
        // Kernel limits refuse inside Python; unless the monitor stopped the run, the verdict
        // rests on the exception the interpreter raised under a limit the host had set.
        envelope.statusDetail = m_stopReason != StopReason::None || !envelope.error
            ? QString()
            : tr("Python raised %1 while the limit was in force: %2").arg(envelope.error->type, envelope.error->message);
        break;
    default:
        envelope.statusDetail = envelope.error ? envelope.error->message : QString();
        break;
    }

    envelope.usage.wallMs = wallMs;
    envelope.usage.cpuMs = std::max((exit.userCpuUs + exit.systemCpuUs) / 1000, m_treeCpuMs);
    // Inside the sandbox the runner is reaped by bubblewrap's init, so its CPU time reaches us
    // only through the /proc samples (up to one interval late); with the measured time close
    // to the limit, SIGXCPU shows the soft limit was reached.
    if (envelope.status == RunStatus::CpuLimit && exit.signaled && exit.signal == SIGXCPU)
        envelope.usage.cpuMs = std::max<qint64>(envelope.usage.cpuMs, m_request.options.cpuSeconds * 1000LL);
    // A warm child's maxrss counts the preload it shares with the zygote.
    envelope.usage.peakMemoryKb = warm ? std::max(m_peakRssKb, exit.maxRssKb - m_child->warmStartRssKb())
                                       : std::max(exit.maxRssKb, m_peakRssKb);
    envelope.usage.outputBytes = m_stdout.totalBytes + m_stderr.totalBytes;
    envelope.usage.peakProcesses = std::max(m_peakProcesses, 1);
    envelope.usage.limits = limitsJson(m_request.options);
    envelope.engine.name = QStringLiteral("native");
    envelope.engine.version = QStringLiteral(PYSANDBOX_VERSION);
    envelope.engine.interpreter = QStringLiteral("%1 (Python %2)").arg(m_python.executable, m_python.version);
    envelope.engine.isolation = activeLayers();
    envelope.engine.startPath = warm ? QStringLiteral("warm") : QStringLiteral("cold");
    if (!m_sandboxed) {
        envelope.engine.securityLevel = QStringLiteral("rlimits-only");
        envelope.engine.notes = {tr("no sandbox: the snippet could read your files and reach the network")};
    } else if (m_verified && m_verified->unverified.isEmpty()) {
        envelope.engine.securityLevel = warm ? QStringLiteral("namespaces+seccomp+landlock") : QStringLiteral("namespaces+seccomp");
    } else {
        envelope.engine.securityLevel = (warm ? QStringLiteral("namespaces+seccomp+landlock") : QStringLiteral("namespaces+seccomp"))
            + QStringLiteral(" (unverified)");
        envelope.engine.notes = {m_verified ? tr("these sandbox layers could not be confirmed for this run: %1")
                                                  .arg(m_verified->unverified.join(QStringLiteral(", ")))
                                            : tr("the run ended before its sandbox layers could be confirmed")};
    }

    if (!m_coldReason.isEmpty() && !warm)
        envelope.engine.notes.append(tr("cold start: %1").arg(m_coldReason));

    for (QTimer *timer : {m_wallTimer, m_monitorTimer, m_graceTimer})
        if (timer)
            timer->stop();
    if (m_scratch) {
        removeScratchTree(m_scratch->path());
        m_scratch.reset();
    }
    finish(std::move(envelope));
}

} // namespace pysandbox
