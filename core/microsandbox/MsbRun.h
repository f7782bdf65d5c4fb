#pragma once

#include "execution/Engine.h"
#include "microsandbox/MsbReplCode.h"
#include "microsandbox/MsbRpc.h"

#include <QElapsedTimer>
#include <QPointer>

namespace pysandbox::msb {

class MsbCall;
class MsbClient;
class MsbSandbox;

// One snippet in a microsandbox VM: wait for the sandbox's turn, send the one REPL line, read
// the wrapper's report into the envelope. The VM answers only when the snippet has ended, so
// its output is emitted at the end, in one chunk per stream.
class MsbRun final : public ExecutionRun
{
    Q_OBJECT
public:
    struct Setup
    {
        EngineInfo engine;     // name, version, interpreter, isolation, level, notes
        bool freshVm = false;  // the sandbox is this run's alone (the engine retires it)
    };

    MsbRun(MsbClient *client, MsbSandbox *sandbox, const ExecutionRequest &request, Setup setup, QObject *parent);
    ~MsbRun() override;

    void begin();
    // Ends the run without starting it (bad options); delivered on the next event-loop turn.
    void refuse(ResultEnvelope envelope) { finishLater(std::move(envelope)); }
    void cancel() override;

private:
    void onTurn(const QString &error);
    void onReply(const RpcResponse &response);
    void complete(ResultEnvelope envelope);
    ResultEnvelope failure(const QString &message) const;

    QPointer<MsbClient> m_client;
    QPointer<MsbSandbox> m_sandbox;
    ExecutionRequest m_request;
    Setup m_setup;
    ReplCall m_call;
    QPointer<MsbCall> m_inFlight;
    bool m_hasTurn = false;
    bool m_booted = false;   // this run's turn began with booting the VM
    qint64 m_bootMs = 0;
    int m_snippetUid = -1;
    bool m_cancelled = false;
    QElapsedTimer m_clock;
};

} // namespace pysandbox::msb
