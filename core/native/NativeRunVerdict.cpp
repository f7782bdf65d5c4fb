// How NativeRun ends: the status decided from what the host saw, and the envelope.
#include "NativeRun.h"

#include "ProcessTree.h"
#include "util/ScratchDirectory.h"

#include <QTemporaryDir>
#include <QTimer>

#include <csignal>
#include <cstring>

namespace pysandbox {

namespace {

QString signalName(int signal)
{
    const char *description = ::strsignal(signal);
    return QStringLiteral("%1 (%2)").arg(signal).arg(QString::fromLocal8Bit(description ? description : "unknown"));
}

} // namespace

QJsonObject NativeRun::limitsJson(const ExecutionOptions &options)
{
    QJsonObject limits = options.toJson();
    limits.remove(QStringLiteral("working_files"));
    limits.remove(QStringLiteral("environment"));
    return limits;
}

bool NativeRun::cpuLimitReached(const ChildExit &exit) const
{
    const qint64 limitMs = m_request.options.cpuSeconds * 1000LL;
    const qint64 measuredMs = std::max((exit.userCpuUs + exit.systemCpuUs) / 1000, m_treeCpuMs);
    return limitMs > 0 && measuredMs * 4 >= limitMs * 3; // ≥ 75 %: samples lag under load
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
    return runner::limitRaisedInPython(*result->error, options).value_or(RunStatus::Error);
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
    if (result)
        result->applyTo(envelope);
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
            : runner::limitRaisedInPythonDetail(*envelope.error);
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
