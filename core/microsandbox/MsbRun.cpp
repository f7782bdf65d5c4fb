#include "MsbRun.h"

#include "MsbClient.h"
#include "MsbSandbox.h"


namespace pysandbox::msb {

namespace {

constexpr int kMaxReplNotes = 5;

// Whether the REPL may have received the call (and may still run it): only then is the VM in doubt.
bool replMayHaveIt(const RpcError &error)
{
    switch (error.kind) {
    case ErrorKind::Timeout:
    case ErrorKind::Dropped:
    case ErrorKind::Unreachable: // also what a dropped call becomes when Qt resends it to a server that died
    case ErrorKind::Garbage:
    case ErrorKind::EmptyBody:
        return true;
    case ErrorKind::ServerError:
        return error.serverCode == ServerCode::Internal; // a portal that failed, not a refusal
    default:
        return false; // refused before the portal: unauthorised, 400/403, a proxy, not sent
    }
}

} // namespace

MsbRun::MsbRun(MsbClient *client, MsbSandbox *sandbox, const ExecutionRequest &request, Setup setup, QObject *parent)
    : ExecutionRun(parent), m_client(client), m_sandbox(sandbox), m_request(request), m_setup(std::move(setup))
{
    // The engine owns the sandbox and the client (and with it the call in flight): when it goes
    // first, the run still ends with an envelope.
    connect(sandbox, &QObject::destroyed, this, [this] {
        m_hasTurn = false;
        m_inFlight = nullptr;
        if (!isFinished())
            complete(failure(tr("the microsandbox engine was closed during the run")));
    });
}

MsbRun::~MsbRun()
{
    // Deleted before it finished: leave the queue, or give the turn back with the VM in doubt.
    if (isFinished() || !m_sandbox)
        return;
    if (m_inFlight)
        m_inFlight->abort();
    if (m_hasTurn) {
        m_sandbox->invalidate(tr("a run was abandoned while the VM ran it"));
        m_sandbox->release();
    } else {
        m_sandbox->withdraw(this);
    }
}

void MsbRun::begin()
{
    m_clock.start();
    m_call = buildReplCall(m_request);
    m_sandbox->acquire(this, [this](const QString &error) { onTurn(error); });
}

void MsbRun::onTurn(const QString &error)
{
    if (!error.isEmpty())
        return complete(failure(error));
    m_hasTurn = true;
    m_booted = m_sandbox->bootedForLastRun();
    m_bootMs = m_sandbox->lastBootMs();
    if (m_cancelled || isFinished())
        return complete(envelope());
    if (!m_client)
        return complete(failure(tr("the microsandbox engine was closed during the run")));
    const SandboxTarget &target = m_sandbox->target();
    m_inFlight = m_client->replRun(target.ns, target.name, m_call.code, m_call.portalTimeoutSeconds);
    connect(m_inFlight, &MsbCall::finished, this, &MsbRun::onReply);
}

void MsbRun::onReply(const RpcResponse &response)
{
    m_inFlight = nullptr;
    if (m_cancelled || isFinished())
        return;
    if (!response.ok) {
        // The call may still be running in the REPL (timeout, dropped connection) or the REPL
        // may be gone (500): only a restarted sandbox is known to be clean.
        if (!replMayHaveIt(response.error))
            return complete(failure(response.error.message));
        if (m_sandbox)
            m_sandbox->invalidate(response.error.message);
        return complete(failure(tr("The run did not come back from the sandbox: %1 PySandbox restarts the sandbox "
                                   "before the next run.").arg(response.error.message)));
    }
    ReplOutcome outcome = parseReplOutput(response.result, m_call);
    m_snippetUid = outcome.snippetUid;
    if (outcome.restartSandbox && m_sandbox)
        m_sandbox->invalidate(outcome.envelope.status == RunStatus::EngineError
                                  ? outcome.envelope.statusDetail
                                  : tr("something besides PySandbox's wrapper wrote to the REPL"));
    ResultEnvelope envelope = std::move(outcome.envelope);
    if (outcome.restartSandbox && envelope.status == RunStatus::EngineError)
        envelope.statusDetail += u' ' + tr("PySandbox restarts the sandbox before the next run.");
    for (const QString &line : outcome.notes.mid(0, kMaxReplNotes))
        envelope.engine.notes.append(tr("the sandbox's REPL also printed: %1").arg(line.left(200)));
    if (!envelope.stdoutStream.bytes.isEmpty())
        Q_EMIT output(OutputStream::Stdout, envelope.stdoutStream.bytes);
    if (!envelope.stderrStream.bytes.isEmpty())
        Q_EMIT output(OutputStream::Stderr, envelope.stderrStream.bytes);
    complete(std::move(envelope));
}

void MsbRun::cancel()
{
    if (isFinished() || m_cancelled)
        return;
    m_cancelled = true;
    ResultEnvelope envelope = failure(QString());
    envelope.status = RunStatus::Cancelled;
    if (m_inFlight) {
        m_inFlight->abort();
        // The REPL is not interrupted by a dropped request (§5): only stopping the VM ends the snippet.
        if (m_sandbox)
            m_sandbox->stop();
        envelope.statusDetail = tr("stopped by the user; the sandbox's VM was stopped with it and starts again for the next run");
    } else {
        if (m_sandbox && !m_hasTurn)
            m_sandbox->withdraw(this); // no VM is booted for a run nobody waits for
        envelope.statusDetail = tr("stopped by the user before it started");
    }
    complete(std::move(envelope));
}

ResultEnvelope MsbRun::failure(const QString &message) const
{
    return ResultEnvelope::engineFailure(m_setup.engine.name, message);
}

void MsbRun::complete(ResultEnvelope envelope)
{
    if (isFinished()) {
        if (m_hasTurn && m_sandbox)
            m_sandbox->release();
        m_hasTurn = false;
        return;
    }
    envelope.requestId = m_request.id;
    const QStringList runNotes = envelope.engine.notes;
    envelope.engine = m_setup.engine;
    if (m_sandbox) {
        if (m_hasTurn)
            envelope.engine.startPath = m_booted ? QStringLiteral("cold") : QStringLiteral("warm");
        if (m_booted)
            envelope.engine.notes.append(tr("the sandbox's VM was started for this run (%1 ms until its Python answered)")
                                             .arg(m_bootMs));
        envelope.engine.notes += m_sandbox->takeNotes();
    }
    envelope.engine.notes += runNotes;
    if (m_snippetUid <= 0) // root, or no report that says otherwise
        envelope.engine.isolation.removeAll(QStringLiteral("unprivileged-user"));
    if (m_snippetUid == 0) {
        envelope.engine.isolation.removeAll(QStringLiteral("rlimits")); // root can raise them again
        envelope.engine.notes.append(tr("the snippet ran as root inside the VM: it could raise its own limits and "
                                        "reach PySandbox's supervisor there"));
    }
    if (m_hasTurn && m_sandbox)
        m_sandbox->release();
    m_hasTurn = false;
    finish(std::move(envelope));
}

} // namespace pysandbox::msb
