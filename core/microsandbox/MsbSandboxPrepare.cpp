// MsbSandbox's way to a ready VM: look it up, stop it when it must restart, wait until it is
// gone, start it, probe its portal.
#include "MsbSandbox.h"

#include <QJsonArray>
#include <QJsonObject>

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

// What the REPL said to `pass`: nothing at all from an idle, clean REPL. Anything else (a
// timeout line, "Engine unavailable", a late line of an earlier call) is trouble.
QString replTrouble(const QJsonValue &result)
{
    const QJsonArray output = result.toObject().value(QStringLiteral("output")).toArray();
    return output.isEmpty() ? QString() : output.first().toObject().value(QStringLiteral("text")).toString().left(200);
}

} // namespace

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
    onAnswer(m_client->metrics(m_target.ns), [this](const RpcResponse &response) {
        if (!response.ok && !isMissingNamespace(response))
            return failAll(response.error.message);
        if (!metricsEntry(response.result, m_target.ns, m_target.name).value(QStringLiteral("running")).toBool())
            return startVm();
        m_notes.append(tr("the sandbox's VM was already running (started earlier, perhaps by another PySandbox "
                          "process): it keeps the image, memory and CPUs it was started with"));
        probe(true);
    });
}

void MsbSandbox::stopThenStart()
{
    m_state = State::Stopping;
    bumpEpoch();
    onAnswer(m_client->stop(m_target.ns, m_target.name), [this](const RpcResponse &response) {
        // A sandbox the server never heard of (400/500 envelopes) cannot be running: go on.
        if (!response.ok && response.error.kind != ErrorKind::ServerError)
            return failAll(tr("The sandbox could not be stopped for a restart: %1").arg(response.error.message));
        m_mustRestart = false;
        m_resentStop = false;
        m_phaseClock.start();
        waitUntilGone();
    });
}

void MsbSandbox::waitUntilGone()
{
    m_state = State::WaitingGone;
    onAnswer(m_client->metrics(m_target.ns), [this](const RpcResponse &response) {
        // Gone only when the server says so: an unanswered metrics call proves nothing.
        const bool gone = isMissingNamespace(response)
            || (response.ok && !metricsEntry(response.result, m_target.ns, m_target.name).value(QStringLiteral("running")).toBool());
        if (gone) {
            m_awaitGone = false;
            return startVm();
        }
        if (m_phaseClock.elapsed() > m_target.stopWaitMs) {
            if (m_resentStop)
                return failAll(tr("The sandbox %1 was told to stop but still runs after %2 s. Its VM supervisor may be stuck: "
                                  "look at `msb server status` and end the msbrun process of this sandbox.")
                                   .arg(m_target.name).arg(2 * m_target.stopWaitMs / 1000));
            m_resentStop = true; // the first stop may have been lost with a restarting server
            m_phaseClock.restart();
            m_client->stop(m_target.ns, m_target.name);
        }
        // Starting it while the old VM still shows RUNNING would be a no-op, and then the VM goes.
        later(50, [this] { waitUntilGone(); });
    });
}

void MsbSandbox::startVm()
{
    m_state = State::Starting;
    m_awaitGone = false;
    m_startSent = true;
    m_phaseClock.start();
    bumpEpoch();
    const quint64 generation = m_generation;
    MsbCall *call = m_client->start(m_target.ns, m_target.name, m_target.config);
    connect(call, &MsbCall::finished, this, [this, generation](const RpcResponse &response) {
        if (m_retiring) // the run it was for has ended: the VM must not stay behind
            return stopAndDelete();
        if (generation != m_generation)
            return;
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
    onAnswer(call, [this, foundRunning](const RpcResponse &response) {
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
            return later(backoff, [this, foundRunning] { probe(foundRunning); });
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

} // namespace pysandbox::msb
