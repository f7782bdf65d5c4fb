#include "MicrosandboxEngine.h"

#include "MsbRun.h"
#include "MsbSandbox.h"
#include "MsbToken.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QPromise>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::MicrosandboxEngine", text);
}

} // namespace

QString stableSandboxName(const QString &profile)
{
    QString cleaned;
    for (const QChar c : profile)
        cleaned += (c.isLetterOrNumber() && c.unicode() < 0x80) || c == u'-' || c == u'_' ? c : QChar(u'-');
    if (cleaned.isEmpty())
        cleaned = QStringLiteral("default");
    return (QStringLiteral("pysandbox-") + cleaned).left(63);
}

QString MicrosandboxConfig::effectiveSandboxName() const
{
    return sandboxName.isEmpty() ? stableSandboxName(profile) : sandboxName;
}

MicrosandboxConfig MicrosandboxConfig::fromEnvironment()
{
    return fromEnvironment(MicrosandboxConfig());
}

MicrosandboxConfig MicrosandboxConfig::fromEnvironment(MicrosandboxConfig base)
{
    if (const QString url = qEnvironmentVariable("MSB_SERVER_URL"); !url.isEmpty())
        base.server = QUrl(url);
    if (base.credentials.apiKey.isEmpty())
        base.credentials.apiKey = qEnvironmentVariable("MSB_API_KEY").trimmed();
    return base;
}

QVersionNumber parseMsbVersion(const QByteArray &output)
{
    static const QRegularExpression pattern(QStringLiteral("^v?(\\d+\\.\\d+\\.\\d+)\\b"));
    const QRegularExpressionMatch match = pattern.match(QString::fromUtf8(output).trimmed());
    return match.hasMatch() ? QVersionNumber::fromString(match.captured(1)) : QVersionNumber();
}

QString unsupportedVersionMessage(const QVersionNumber &version)
{
    return tr("msb %1 is installed, but PySandbox needs microsandbox 0.2.x: from 0.3 on microsandbox has no server "
              "and no HTTP API at all. Install 0.2.6 next to it with: curl -sSL https://get.microsandbox.dev | sh -s -- "
              "--version=0.2.6 (or download microsandbox-0.2.6-linux-x86_64.tar.gz from the microsandbox-v0.2.6 "
              "GitHub release) and point PySandbox at that msb.").arg(version.toString());
}

QString findMsbProgram(const QString &configured)
{
    if (!configured.isEmpty())
        return QFileInfo(configured).isExecutable() ? configured : QString();
    if (const QString onPath = QStandardPaths::findExecutable(QStringLiteral("msb")); !onPath.isEmpty())
        return onPath;
    return QStandardPaths::findExecutable(QStringLiteral("msb"),
                                          {QDir::homePath() + QStringLiteral("/.local/bin"),
                                           QDir::homePath() + QStringLiteral("/.cargo/bin")});
}

MicrosandboxEngine::MicrosandboxEngine(MicrosandboxConfig config, QObject *parent)
    : Engine(parent), m_config(std::move(config))
{
    msb::ClientConfig client;
    client.server = m_config.server;
    client.serverVersion = m_config.assumedServerVersion;
    client.requestTimeoutMs = m_config.requestTimeoutMs;
    client.startTimeoutMs = m_config.startTimeoutMs;
    if (m_config.credentials.mintNamespace.isEmpty() || m_config.credentials.mintNamespace == QLatin1String("*"))
        m_config.credentials.mintNamespace = m_config.ns; // least privilege: the one namespace in use
    m_client = new msb::MsbClient(client, m_config.credentials, this);
}

MicrosandboxEngine::~MicrosandboxEngine() = default;

QStringList MicrosandboxEngine::isolationLayers() const
{
    // The wrapper runs every snippet as a non-root user of the VM (as nobody when the REPL is
    // root); each envelope keeps this only when the run's report confirms it.
    return {QStringLiteral("micro-vm"), QStringLiteral("guest-kernel"), QStringLiteral("image-root-filesystem"),
            QStringLiteral("rlimits"), QStringLiteral("fresh-process-per-run"), QStringLiteral("unprivileged-user")};
}

QString MicrosandboxEngine::securityLevel() const
{
    return m_config.freshVmPerRun ? QStringLiteral("micro-vm (fresh per run)") : QStringLiteral("micro-vm");
}

QStringList MicrosandboxEngine::isolationNotes() const
{
    QStringList notes{
        tr("network egress allowed: a microsandbox 0.2.x server gives every sandbox public network access and its "
           "API cannot turn that off"),
        tr("output arrives when the run ends: the 0.2.x REPL does not stream it"),
        tr("input files and the process limit are not applied inside the VM; the VM's own memory (%1 MiB) and "
           "CPUs (%2) bound what a run can take").arg(m_config.vm.memoryMib).arg(m_config.vm.cpus)};
    if (!m_config.freshVmPerRun)
        notes.append(tr("runs share one warm VM (%1): each run is a fresh process in a fresh directory, but a snippet "
                        "can leave files elsewhere in the VM or a detached process for later runs to find; choose "
                        "\"fresh VM per run\" to rule that out").arg(m_config.effectiveSandboxName()));
    return notes;
}

msb::MsbSandbox *MicrosandboxEngine::sandboxForRun()
{
    msb::SandboxTarget target;
    target.ns = m_config.ns;
    target.config = m_config.vm;
    target.portalProbeMs = m_config.portalProbeMs;
    if (m_config.freshVmPerRun) {
        const QString suffix = QString::number(QRandomGenerator::system()->generate(), 16);
        target.name = (m_config.effectiveSandboxName().left(50) + u'-' + suffix);
        return new msb::MsbSandbox(m_client, target, this);
    }
    if (!m_warm) {
        target.name = m_config.effectiveSandboxName();
        m_warm = new msb::MsbSandbox(m_client, target, this);
    }
    return m_warm;
}

ExecutionRun *MicrosandboxEngine::start(const ExecutionRequest &request, QObject *parent)
{
    msb::MsbRun::Setup setup;
    setup.engine.name = name();
    setup.engine.version = QStringLiteral("microsandbox %1").arg(m_client->config().serverVersion.toString());
    setup.engine.interpreter = QStringLiteral("python3 in %1").arg(m_config.vm.image);
    setup.engine.isolation = isolationLayers();
    setup.engine.securityLevel = securityLevel();
    setup.engine.notes = isolationNotes();
    setup.freshVm = m_config.freshVmPerRun;
    msb::MsbSandbox *sandbox = sandboxForRun();
    auto *run = new msb::MsbRun(m_client, sandbox, request, setup, parent);
    if (m_config.freshVmPerRun) {
        // Stopped when its run ends however it ends (even a start still pulling is followed by
        // a stop), and remembered until then so that quitting can wait for it.
        m_fresh.append(sandbox);
        connect(run, &ExecutionRun::finished, sandbox, &msb::MsbSandbox::retire);
        connect(run, &QObject::destroyed, sandbox, [sandbox] { sandbox->retire(); });
    }
    QString problem = request.options.validate();
    if (problem.isEmpty() && !request.options.workingFiles.isEmpty())
        problem = tr("the microsandbox engine cannot pass input files into the VM yet: use the native engine for "
                     "snippets that read files");
    if (!problem.isEmpty()) {
        ResultEnvelope failed = ResultEnvelope::engineFailure(name(), problem);
        failed.requestId = request.id;
        failed.engine = setup.engine;
        run->refuse(std::move(failed));
        return run;
    }
    run->begin();
    return run;
}

void MicrosandboxEngine::stopUsedSandboxAndWait(int waitMs)
{
    QEventLoop loop;
    QTimer::singleShot(waitMs, &loop, &QEventLoop::quit);
    bool waiting = false;
    // Another process running a snippet on the warm VM right now keeps it: it is theirs too.
    if (m_warm && m_warm->tryLockForQuit()) {
        connect(m_warm->stop(), &msb::MsbCall::finished, &loop, &QEventLoop::quit);
        waiting = true;
    }
    m_fresh.removeAll(nullptr);
    for (msb::MsbSandbox *fresh : std::as_const(m_fresh)) {
        fresh->retire(); // a no-op for one already retiring
        connect(fresh, &QObject::destroyed, &loop, [this, &loop] {
            m_fresh.removeAll(nullptr);
            if (m_fresh.isEmpty())
                loop.quit();
        });
        waiting = true;
    }
    if (waiting)
        loop.exec();
}

msb::MsbCall *MicrosandboxEngine::stopSandbox()
{
    // Through the warm sandbox, so that this machine's other processes hear of it (epoch).
    msb::MsbSandbox *warm = m_warm;
    if (!warm && !m_config.freshVmPerRun)
        warm = sandboxForRun();
    if (warm && !m_config.freshVmPerRun)
        return warm->stop();
    return m_client->stop(m_config.ns, m_config.effectiveSandboxName());
}

} // namespace pysandbox
