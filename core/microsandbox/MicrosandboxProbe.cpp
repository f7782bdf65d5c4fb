// MicrosandboxEngine::probe(): the version gate, then the server's health, then whether the key
// opens the namespace. Nothing here blocks the caller: `msb --version` runs on a worker thread,
// the HTTP checks are asynchronous.
#include "MicrosandboxEngine.h"

#include "MsbToken.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QProcess>
#include <QtConcurrent>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::MicrosandboxEngine", text);
}

struct MsbBinary
{
    QString program;
    QVersionNumber version;
    QString problem;
};

MsbBinary askMsb(const QString &configured)
{
    MsbBinary binary;
    binary.program = findMsbProgram(configured);
    if (binary.program.isEmpty())
        return binary;
    QProcess process;
    process.start(binary.program, {QStringLiteral("--version")});
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(1000);
        binary.problem = tr("`%1 --version` did not answer within 5 s").arg(binary.program);
        return binary;
    }
    binary.version = parseMsbVersion(process.readAllStandardOutput());
    if (binary.version.isNull())
        binary.problem = tr("`%1 --version` did not print a version").arg(binary.program);
    return binary;
}

} // namespace

QFuture<EngineStatus> MicrosandboxEngine::probe()
{
    auto promise = std::make_shared<QPromise<EngineStatus>>();
    QFuture<EngineStatus> future = promise->future();
    promise->start();
    const QString configured = m_config.msbProgram;
    auto *watcher = new QFutureWatcher<MsbBinary>(this);
    connect(watcher, &QFutureWatcher<MsbBinary>::finished, this, [this, watcher, promise] {
        watcher->deleteLater();
        const MsbBinary binary = watcher->result();
        EngineStatus status;
        status.kind = EngineKind::Microsandbox;
        status.strength = kStrength;
        status.isolation = isolationLayers();
        status.securityLevel = securityLevel();
        status.notes = isolationNotes();
        status.caveat = tr("network egress allowed");
        if (!binary.problem.isEmpty())
            status.notes.append(binary.problem);
        if (!binary.version.isNull() && !msb::isSupportedServerVersion(binary.version)) {
            status.summary = tr("needs setup");
            status.problems.append(unsupportedVersionMessage(binary.version));
            promise->addResult(status);
            promise->finish();
            return;
        }
        if (!binary.version.isNull())
            m_client->setServerVersion(binary.version);
        else if (binary.program.isEmpty())
            status.notes.append(tr("no msb command found (PATH, ~/.local/bin, ~/.cargo/bin): assuming the server at %1 "
                                   "is microsandbox %2").arg(m_config.server.toDisplayString(),
                                                            m_config.assumedServerVersion.toString()));
        probeServer(status, promise);
    });
    watcher->setFuture(QtConcurrent::run([configured] { return askMsb(configured); }));
    return future;
}

void MicrosandboxEngine::probeServer(EngineStatus status, const std::shared_ptr<QPromise<EngineStatus>> &promise)
{
    const auto deliver = [promise](const EngineStatus &result) {
        promise->addResult(result);
        promise->finish();
    };
    msb::MsbCall *health = m_client->health();
    connect(health, &msb::MsbCall::finished, this, [this, status, deliver](const msb::RpcResponse &response) mutable {
        if (!response.ok) {
            status.summary = tr("server down");
            status.problems.append(response.error.message);
            return deliver(status);
        }
        if (const QString warning = m_client->keyWarning(); !warning.isEmpty())
            status.notes.append(warning);
        // The cheapest call that needs the key and the namespace: a refused key shows here,
        // not in the middle of the first run.
        msb::MsbCall *metrics = m_client->metrics(m_config.ns);
        connect(metrics, &msb::MsbCall::finished, this, [this, status, deliver](const msb::RpcResponse &answer) mutable {
            const bool unknownNamespace = answer.error.kind == msb::ErrorKind::ServerError
                && answer.error.serverCode == msb::ServerCode::InvalidInput;
            if (answer.ok || unknownNamespace) {
                status.ready = true;
                status.summary = tr("ready: microsandbox %1 at %2").arg(m_client->config().serverVersion.toString(),
                                                                        m_config.server.toDisplayString());
            } else {
                status.summary = answer.error.kind == msb::ErrorKind::Unauthorized ? tr("token expired or missing")
                                                                                  : tr("server refuses");
                status.problems.append(answer.error.message);
            }
            deliver(status);
        });
    });
}

} // namespace pysandbox
