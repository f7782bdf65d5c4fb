#include "NativeRun.h"

#include "ProcessTree.h"
#include "WarmPool.h"
#include "util/ScratchDirectory.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTimer>

#include <QSet>

#include <csignal>
#include <cstring>

#include <sys/resource.h>
#include <unistd.h>

namespace pysandbox {

namespace {

constexpr int kReleaseGraceMs = 1000; // for the runner to leave after its result
constexpr qint64 kMaxWorkingFileBytes = 1LL << 30;

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
        // Killed before its pipes close: closed first, the snippet could still catch the EPIPE
        // and report a BrokenPipeError (our doing, not its error) before the kill landed.
        stop(StopReason::Output);
        m_child->stopReading(ChildProcess::Channel::Stdout);
        m_child->stopReading(ChildProcess::Channel::Stderr);
    }
}

void NativeRun::onResultFrame()
{
    if (m_child->isWarm())
        return finishWarmAtResult();
    // The runner waits for our release: the moment to confirm which layers held it.
    const TreeSample tree = ProcessTree::sample(m_child->pid());
    const pid_t runner = runnerPid(tree);
    if (m_sandboxed && !layersConfirmed() && runner > 0)
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
    // Until every layer is confirmed, each tick looks again: pid 2 may still be bubblewrap's
    // child before its exec (no seccomp filter yet) when a slow start meets an early tick.
    if (m_sandboxed && !layersConfirmed())
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

QStringList NativeRun::activeLayers() const
{
    QStringList layers = NativeEngine::hostLayers();
    if (m_verified)
        layers += m_verified->active;
    return layers;
}

} // namespace pysandbox
