#include "MsbSandbox.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>

namespace pysandbox::msb {

namespace {

// A warm sandbox found running gets this long to answer before it is restarted: it may be a
// VM whose portal moved (§2.4) or died (§7), and a healthy one answers at once.
constexpr int kFoundRunningProbeMs = 3'000;
constexpr int kProbeReplTimeoutSeconds = 10;

// The entry for `name` in a sandbox.metrics.get result, or an empty object.
QJsonObject metricsEntry(const QJsonValue &result, const QString &ns, const QString &name)
{
    const QJsonArray sandboxes = result.toObject().value(QStringLiteral("sandboxes")).toArray();
    for (const QJsonValue &entry : sandboxes) {
        const QJsonObject object = entry.toObject();
        if (object.value(QStringLiteral("name")) == name && object.value(QStringLiteral("namespace")) == ns)
            return object;
    }
    return {};
}

// §2.4: metrics for a namespace that was never used is a 400 with this text, not an empty list.
bool isMissingNamespace(const RpcResponse &response)
{
    return response.error.kind == ErrorKind::ServerError && response.error.serverCode == ServerCode::InvalidInput
        && response.error.serverText.contains(QLatin1String("does not exist"));
}

// What the REPL said to a probe: empty when it answered as an idle REPL does.
QString replTrouble(const QJsonValue &result)
{
    const QJsonArray output = result.toObject().value(QStringLiteral("output")).toArray();
    for (const QJsonValue &line : output)
        if (line.toObject().value(QStringLiteral("stream")) == QLatin1String("stderr"))
            return line.toObject().value(QStringLiteral("text")).toString();
    return {};
}

} // namespace

QString sandboxLogPath(const QString &ns, const QString &name)
{
    QString home = qEnvironmentVariable("MICROSANDBOX_HOME");
    if (home.isEmpty())
        home = QDir::homePath() + QStringLiteral("/.microsandbox");
    return QStringLiteral("%1/namespaces/%2/.menv/log/Sandboxfile/%3.log").arg(home, ns, name);
}

MsbSandbox::MsbSandbox(MsbClient *client, SandboxTarget target, QObject *parent)
    : QObject(parent), m_client(client), m_target(std::move(target))
{
}

void MsbSandbox::acquire(QObject *context, ReadyCallback ready)
{
    m_waiters.append({context, std::move(ready)});
    // Never from inside the caller: it may still be setting itself up.
    QTimer::singleShot(0, this, &MsbSandbox::pump);
}

void MsbSandbox::release()
{
    m_busy = false;
    QTimer::singleShot(0, this, &MsbSandbox::pump);
}

void MsbSandbox::invalidate(const QString &why)
{
    if (!m_mustRestart)
        m_notes.append(tr("the sandbox will be restarted before the next run: %1").arg(why));
    m_mustRestart = true;
    if (m_state == State::Ready)
        m_state = State::Unknown;
}

MsbCall *MsbSandbox::stop()
{
    // Whatever was under way is moot; the next run finds the VM going and waits for it.
    m_state = State::Unknown;
    m_mustRestart = false;
    m_awaitGone = true;
    return m_client->stop(m_target.ns, m_target.name);
}

QStringList MsbSandbox::takeNotes()
{
    return std::exchange(m_notes, {});
}

void MsbSandbox::pump()
{
    m_waiters.removeIf([](const Waiter &waiter) { return waiter.context.isNull(); });
    if (m_busy || m_waiters.isEmpty())
        return;
    if (m_state == State::Ready && !m_mustRestart) {
        const Waiter waiter = m_waiters.takeFirst();
        m_busy = true;
        waiter.ready(QString());
        m_bootedForLastRun = false; // the next turn finds it warm unless it is booted again
        return;
    }
    if (m_state == State::Unknown || m_state == State::Ready)
        prepare();
}

void MsbSandbox::prepare()
{
    m_restartedOnce = false;
    m_bootedForLastRun = false;
    m_lastBootMs = 0;
    if (m_mustRestart) {
        stopThenStart();
    } else if (m_awaitGone) {
        m_phaseClock.start();
        waitUntilGone();
    } else {
        check();
    }
}

void MsbSandbox::check()
{
    m_state = State::Checking;
    // The whole namespace, not this name: a name the Sandboxfile does not know is a 500 (§2.4).
    MsbCall *call = m_client->metrics(m_target.ns);
    connect(call, &MsbCall::finished, this, [this](const RpcResponse &response) {
        if (!response.ok && !isMissingNamespace(response))
            return failAll(response.error.message);
        const QJsonObject entry = metricsEntry(response.result, m_target.ns, m_target.name);
        if (entry.value(QStringLiteral("running")).toBool())
            return probe(true);
        startVm();
    });
}

void MsbSandbox::stopThenStart()
{
    m_state = State::Stopping;
    m_mustRestart = false;
    MsbCall *call = m_client->stop(m_target.ns, m_target.name);
    connect(call, &MsbCall::finished, this, [this](const RpcResponse &response) {
        // A sandbox the server never heard of cannot be running: nothing to stop.
        if (!response.ok && response.error.kind != ErrorKind::ServerError)
            return failAll(tr("The sandbox could not be stopped for a restart: %1").arg(response.error.message));
        m_phaseClock.start();
        waitUntilGone();
    });
}

void MsbSandbox::waitUntilGone()
{
    m_state = State::WaitingGone;
    MsbCall *call = m_client->metrics(m_target.ns);
    connect(call, &MsbCall::finished, this, [this](const RpcResponse &response) {
        const bool running = response.ok
            && metricsEntry(response.result, m_target.ns, m_target.name).value(QStringLiteral("running")).toBool();
        if (!running)
            return startVm();
        if (m_phaseClock.elapsed() > m_target.stopWaitMs)
            return failAll(tr("The sandbox %1 was told to stop but still runs after %2 s; stop it with `msb server "
                              "stop` or restart the server.").arg(m_target.name).arg(m_target.stopWaitMs / 1000));
        // Starting it while the old VM still shows RUNNING would be a no-op, and then the VM goes.
        QTimer::singleShot(50, this, &MsbSandbox::waitUntilGone);
    });
}

void MsbSandbox::startVm()
{
    m_state = State::Starting;
    m_awaitGone = false;
    m_phaseClock.start();
    MsbCall *call = m_client->start(m_target.ns, m_target.name, m_target.config);
    connect(call, &MsbCall::finished, this, [this](const RpcResponse &response) {
        if (!response.ok)
            return failAll(tr("The sandbox %1 could not be started: %2").arg(m_target.name, response.error.message));
        const QString said = response.result.toString();
        // "was started, but couldn't verify / timed out waiting": the portal probe decides.
        if (said.contains(QLatin1String("was started, but")))
            m_notes.append(tr("the server said: %1").arg(said));
        m_bootedForLastRun = true;
        probe(false);
    });
}

void MsbSandbox::probe(bool foundRunning)
{
    if (m_state != State::Probing) {
        m_state = State::Probing;
        m_probeAttempts = 0;
        if (foundRunning)
            m_phaseClock.start();
    }
    ++m_probeAttempts;
    MsbCall *call = m_client->replRun(m_target.ns, m_target.name, QStringLiteral("pass"), kProbeReplTimeoutSeconds);
    connect(call, &MsbCall::finished, this, [this, foundRunning](const RpcResponse &response) {
        if (response.ok) {
            const QString trouble = replTrouble(response.result);
            if (trouble.isEmpty())
                return becomeReady();
            if (m_restartedOnce)
                return failAll(tr("The sandbox's Python does not work even after a restart: %1").arg(trouble));
            m_restartedOnce = true;
            m_notes.append(tr("the sandbox's REPL was not usable (%1): restarted it").arg(trouble));
            return stopThenStart();
        }
        // Only a 500 means "not up yet" (§7: portal not listening, VM still booting); an
        // unreachable server, a refused key or garbage will not improve by waiting.
        const bool notUpYet = response.error.kind == ErrorKind::ServerError && response.error.serverCode == ServerCode::Internal;
        const int budget = foundRunning ? kFoundRunningProbeMs : m_target.portalProbeMs;
        if (notUpYet && m_phaseClock.elapsed() < budget) {
            const int backoff = std::min(1000, 25 << std::min(m_probeAttempts, 5));
            QTimer::singleShot(backoff, this, [this, foundRunning] { probe(foundRunning); });
            return;
        }
        if (notUpYet && foundRunning && !m_restartedOnce) {
            m_restartedOnce = true;
            m_notes.append(tr("the running sandbox %1 did not answer: restarted it").arg(m_target.name));
            return stopThenStart();
        }
        if (!notUpYet)
            return failAll(response.error.message);
        failAll(tr("The sandbox %1 runs, but its Python did not answer within %2 s. Likely causes: KVM is missing or not "
                   "usable by this user (check /dev/kvm), an HTTP proxy between the server and the VM (start the "
                   "server with NO_PROXY=127.0.0.1,localhost), or a slow first boot. The VM's log: %3")
                    .arg(m_target.name).arg(budget / 1000).arg(sandboxLogPath(m_target.ns, m_target.name)));
    });
}

void MsbSandbox::becomeReady()
{
    if (m_bootedForLastRun)
        m_lastBootMs = m_phaseClock.elapsed();
    m_state = State::Ready;
    pump();
}

void MsbSandbox::failAll(const QString &error)
{
    m_state = State::Unknown;
    const QList<Waiter> waiters = std::exchange(m_waiters, {});
    for (const Waiter &waiter : waiters)
        if (waiter.context)
            waiter.ready(error);
}

} // namespace pysandbox::msb
