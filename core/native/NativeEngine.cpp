#include "NativeEngine.h"

#include "NativeRun.h"
#include "WarmPool.h"
#include "isolation/IsolationVerifier.h"

#include <QCoreApplication>
#include <QFile>
#include <QFutureWatcher>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <unistd.h>

namespace pysandbox {

namespace {

const QString &runnerSource()
{
    static const QString source = [] {
        QFile file(QStringLiteral(":/pysandbox/runner/pysandbox_runner.py"));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }();
    return source;
}

} // namespace

QStringList NativeEngineConfig::defaultPreload()
{
    // What the runner imports while reporting, then the analysts' usual libraries (skipped
    // quietly where they are not installed; matplotlib with the Agg backend).
    return {QStringLiteral("json"), QStringLiteral("io"), QStringLiteral("binascii"), QStringLiteral("keyword"),
            QStringLiteral("traceback"), QStringLiteral("numpy"), QStringLiteral("pandas"),
            QStringLiteral("matplotlib.pyplot")};
}

NativeEngine::NativeEngine(NativeEngineConfig config, QObject *parent)
    : Engine(parent)
    , m_config(std::move(config))
{
}

void NativeEngine::setConfig(const NativeEngineConfig &config)
{
    m_config = config;
    m_environmentRequested = false; // interpreter and isolation are found again
    // Any change may touch what the pool was built for (interpreter, preload, isolation):
    // its running children keep their sandbox until they finish.
    retirePool();
}

WarmPool *NativeEngine::warmPool(const NativeEnvironment &environment, QString *whyCold)
{
    whyCold->clear();
    if (!m_config.warmPool)
        return nullptr;
    if (!environment.python.isUsable())
        *whyCold = environment.python.error;
    else if (!m_config.useIsolation || !environment.isolation.isolationAvailable())
        *whyCold = tr("warm starts need the sandbox");
    else if (environment.isolation.landlockAbi < 6)
        *whyCold = tr("warm starts need Landlock ABI 6 (Linux 6.12) to keep concurrent runs apart; this kernel has %1")
                       .arg(environment.isolation.landlockAbi);
    else if (!environment.python.hasFork)
        *whyCold = tr("this interpreter cannot fork");
    if (!whyCold->isEmpty())
        return nullptr;
    WarmPoolSettings settings{environment.python, environment.isolation.bubblewrap, m_config.preload,
                              m_config.extraReadOnlyPaths, m_config.removedLayersForTesting};
    if (m_pool && !m_pool->settings().sameAs(settings))
        retirePool();
    if (!m_pool) {
        m_pool = new WarmPool(std::move(settings), runnerSource(), this);
        m_pool->start();
    }
    if (m_pool->state() == WarmPool::State::Failed) {
        *whyCold = m_pool->problem();
        return nullptr;
    }
    return m_pool;
}

void NativeEngine::retirePool()
{
    if (!m_pool)
        return;
    m_pool->retire();
    m_pool = nullptr;
}

WarmPool *NativeEngine::currentWarmPool() const
{
    return m_pool;
}

void NativeEngine::prepareWarmPool()
{
    if (!m_config.warmPool)
        return;
    // A watcher owned by the engine: destroyed with it, so no callback outlives the engine
    // (QFuture::then with a context asserts in Qt 6.4 when the context is gone).
    auto *watcher = new QFutureWatcher<NativeEnvironment>(this);
    connect(watcher, &QFutureWatcher<NativeEnvironment>::finished, this, [this, watcher] {
        QString ignored;
        warmPool(watcher->result(), &ignored);
        watcher->deleteLater();
    });
    watcher->setFuture(environment());
}

QFuture<NativeEnvironment> NativeEngine::environment()
{
    if (!m_environmentRequested) {
        const NativeEngineConfig config = m_config;
        m_environment = QtConcurrent::run([config] {
            NativeEnvironment environment;
            environment.python = PythonLocator::locate(config.interpreter);
            if (config.useIsolation)
                environment.isolation = IsolationProbe::probe(config.bubblewrap);
            return environment;
        });
        m_environmentRequested = true;
    }
    return m_environment;
}

QStringList NativeEngine::hostLayers()
{
    return {QStringLiteral("rlimits"), QStringLiteral("process-tree-limits"), QStringLiteral("clean-environment"),
            QStringLiteral("closed-file-descriptors"), QStringLiteral("private-scratch-dir")};
}

QFuture<EngineStatus> NativeEngine::probe()
{
    // A QFuture keeps one continuation only (Qt 6.4): a second then() on the shared
    // environment future would drop the first probe's. Each probe watches it on its own.
    auto promise = std::make_shared<QPromise<EngineStatus>>();
    promise->start();
    auto *watcher = new QFutureWatcher<NativeEnvironment>(this);
    connect(watcher, &QFutureWatcher<NativeEnvironment>::finished, this, [this, watcher, promise] {
        watcher->deleteLater();
        promise->addResult(statusFor(m_config, watcher->result()));
        promise->finish();
    });
    watcher->setFuture(environment());
    return promise->future();
}

EngineStatus NativeEngine::statusFor(const NativeEngineConfig &config, const NativeEnvironment &environment)
{
    const PythonInterpreter &python = environment.python;
    const IsolationSupport &isolation = environment.isolation;
    EngineStatus status;
    status.kind = EngineKind::Native;
    status.strength = 1;
    const bool sandboxed = config.useIsolation && isolation.isolationAvailable();
    status.isolation = hostLayers();
    if (sandboxed)
        status.isolation += expectedSandboxLayers();
    status.securityLevel = sandboxed ? QStringLiteral("namespaces+seccomp") : QStringLiteral("rlimits-only");
    if (!sandboxed)
        status.caveat = tr("not sandboxed: resource limits only");
    if (!python.isUsable())
        status.problems.append(python.error);
    if (config.useIsolation)
        status.problems += isolation.problems;
    else
        status.problems.append(tr("isolation is switched off in the settings: snippets run with your user's rights, "
                                  "limited only by resource limits"));
    if (sandboxed) {
        if (config.warmPool && isolation.landlockAbi >= 6)
            status.notes.append(tr("warm starts: runs are forked from a preloaded interpreter in one sandbox, each "
                                   "locked down with Landlock (ABI %1) and its own seccomp filter").arg(isolation.landlockAbi));
        else if (config.warmPool)
            status.notes.append(tr("warm starts are off: they need Landlock ABI 6 (Linux 6.12) to keep concurrent "
                                   "runs apart, and this kernel offers %1; every run starts cold").arg(isolation.landlockAbi));
        else
            status.notes.append(tr("cold starts: every run gets a sandbox of its own (Landlock is not needed: the "
                                   "mount namespace already hides the host's files)"));
        status.notes.append(tr("no cgroup limits: memory, CPU and process totals are enforced with rlimits and "
                               "a 25 ms /proc monitor of the whole process tree"));
        if (::geteuid() == 0)
            status.notes.append(tr("running as root: the kernel does not apply RLIMIT_NPROC, so the process "
                                   "limit rests on the /proc monitor alone"));
    }
    const bool refused = config.requireIsolation && !sandboxed;
    if (refused)
        status.problems.append(tr("\"require isolation\" is on, so the native engine refuses to run without a "
                                  "sandbox; turn it off to run with resource limits only"));
    status.ready = python.isUsable() && !refused;
    if (status.ready)
        status.summary = tr("ready: Python %1 at %2, %3").arg(python.version, python.executable, status.securityLevel);
    else
        status.summary = python.isUsable() ? tr("needs isolation") : tr("no usable Python");
    return status;
}

ExecutionRun *NativeEngine::start(const ExecutionRequest &request, QObject *parent)
{
    QPointer<NativeEngine> self(this);
    WarmPoolProvider pool = [self](const NativeEnvironment &environment, QString *whyCold) -> WarmPool * {
        if (!self) {
            *whyCold = tr("the engine was closed");
            return nullptr;
        }
        return self->warmPool(environment, whyCold);
    };
    auto *run = new NativeRun(request, m_config, environment(), runnerSource(), std::move(pool), parent);
    run->begin();
    return run;
}

} // namespace pysandbox
