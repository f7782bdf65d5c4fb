#pragma once

#include "execution/Engine.h"
#include "microsandbox/MsbClient.h"

#include <QPointer>
#include <QPromise>

#include <memory>
#include <QVersionNumber>

// The microsandbox engine: each snippet runs in a micro-VM managed by a microsandbox 0.2.x server
// (microsandbox-0.2-protocol.md; design in docs/design/microsandbox-engine.md).
namespace pysandbox {

namespace msb {
class MsbSandbox;
}

struct MicrosandboxConfig
{
    QUrl server = QUrl(QStringLiteral("http://127.0.0.1:5555"));
    msb::Credentials credentials;
    QString ns = QStringLiteral("default");
    // The warm sandbox's name. Empty: stableSandboxName(profile), so that the app, the CLI and a
    // second window of the same profile find the one VM instead of booting another.
    QString sandboxName;
    QString profile = QStringLiteral("default");
    msb::SandboxConfig vm = [] {
        msb::SandboxConfig config;
        config.memoryMib = 1024;
        config.cpus = 1;
        return config;
    }();
    // The strictest mode: a new VM for every run, stopped when it ends.
    bool freshVmPerRun = false;
    // The `msb` binary for the version gate; empty: found on PATH, ~/.local/bin, ~/.cargo/bin.
    QString msbProgram;
    // Used when no `msb` can be asked (a server on another machine, the tests' emulator).
    QVersionNumber assumedServerVersion = QVersionNumber(0, 2, 6);
    int portalProbeMs = 30'000;
    int requestTimeoutMs = 30'000;
    int startTimeoutMs = 15 * 60'000;

    QString effectiveSandboxName() const;
    // MSB_SERVER_URL and MSB_API_KEY, as the official SDKs read them (§4), for what is unset.
    static MicrosandboxConfig fromEnvironment();
    static MicrosandboxConfig fromEnvironment(MicrosandboxConfig base);
};

// "pysandbox-<profile>", cut and cleaned to the server's name rules (§2.4).
QString stableSandboxName(const QString &profile);

// `msb --version` (§4): "v0.2.6" → 0.2.6; a null version when the text is not one.
QVersionNumber parseMsbVersion(const QByteArray &output);
// The explanation for a version outside 0.2.x, with the pinned install command.
QString unsupportedVersionMessage(const QVersionNumber &version);
// The `msb` to ask: `configured` if set, else PATH, ~/.local/bin, ~/.cargo/bin. Empty if none.
QString findMsbProgram(const QString &configured);

class MicrosandboxEngine final : public Engine
{
    Q_OBJECT
public:
    // Auto's ranking: a VM with its own kernel outranks any same-kernel sandbox (native: 1).
    static constexpr int kStrength = 10;

    explicit MicrosandboxEngine(MicrosandboxConfig config, QObject *parent = nullptr);
    ~MicrosandboxEngine() override;

    EngineKind kind() const override { return EngineKind::Microsandbox; }
    QString name() const override { return QStringLiteral("microsandbox"); }
    QFuture<EngineStatus> probe() override;
    ExecutionRun *start(const ExecutionRequest &request, QObject *parent) override;

    const MicrosandboxConfig &config() const { return m_config; }
    msb::MsbClient *client() const { return m_client; }
    // Stops the warm sandbox (`pysandbox-cli stop-sandbox`, cancel).
    msb::MsbCall *stopSandbox();
    // At quit, unless the user keeps it warm: stops the sandbox this process used, waiting at
    // most `waitMs` for the server's answer. Returns at once if no run used one.
    void stopUsedSandboxAndWait(int waitMs);

    // The layers a run gets, and the caveats, as envelopes and the UI's badge show them.
    QStringList isolationLayers() const;
    QStringList isolationNotes() const;
    QString securityLevel() const;

private:
    msb::MsbSandbox *sandboxForRun();
    void probeServer(EngineStatus status, const std::shared_ptr<QPromise<EngineStatus>> &promise);

    MicrosandboxConfig m_config;
    msb::MsbClient *m_client;
    QPointer<msb::MsbSandbox> m_warm;
    QList<QPointer<msb::MsbSandbox>> m_fresh; // one per run in "fresh VM per run" mode, until stopped
};

} // namespace pysandbox
