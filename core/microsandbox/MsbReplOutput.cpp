// The reply half of MsbReplCode.h: the wrapper's report found among the REPL's lines, checked,
// and turned into an envelope. The status is decided here, as NativeRun::decideStatus does it,
// from facts the supervisor observed (its timers, the child's wait status and rusage), never
// from what the snippet wrote into its result frame.
#include "MsbReplCode.h"

#include "native/RunnerProtocol.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace pysandbox::msb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::msb", text);
}

// The VM is always Linux, whatever the host is: its numbers, not <csignal>'s.
constexpr int kLinuxSigKill = 9;
constexpr int kLinuxSigXcpu = 24;
constexpr int kLinuxSigXfsz = 25;
constexpr int kMaxNotes = 20;

// What the REPL's lines held.
struct Scan
{
    QStringList chunks;
    bool ended = false;         // an "end" (or "fail") line came
    bool failed = false;        // the wrapper could not build its report
    bool duplicate = false;     // a second report, or lines out of order: not ours alone
    qint64 endCount = -1;
    QString portalError;        // the portal's "Error: …" line (timeout, engine unavailable)
    QStringList others;         // every other line
};

Scan scan(const QJsonArray &output, const QString &prefix, bool *shapeOk)
{
    Scan result;
    *shapeOk = true;
    for (const QJsonValue &entry : output) {
        const QJsonValue stream = entry.toObject().value(QStringLiteral("stream"));
        const QJsonValue text = entry.toObject().value(QStringLiteral("text"));
        if (!text.isString() || (stream != QLatin1String("stdout") && stream != QLatin1String("stderr"))) {
            *shapeOk = false;
            return result;
        }
        const QString line = text.toString();
        if (stream == QLatin1String("stdout") && line.startsWith(prefix)) {
            const QStringView rest = QStringView(line).mid(prefix.size());
            const qsizetype colon = rest.indexOf(u':');
            bool numbered = false;
            const qint64 index = colon < 0 ? -1 : rest.left(colon).toLongLong(&numbered);
            if (result.ended)
                result.duplicate = true; // anything after the end is a second report
            else if (rest == QLatin1String("fail"))
                result.ended = result.failed = true;
            else if (rest.startsWith(QLatin1String("end:")))
                result.ended = true, result.endCount = rest.mid(4).toLongLong();
            else if (numbered && index == result.chunks.size())
                result.chunks.append(rest.mid(colon + 1).toString());
            else
                result.duplicate = true;
        } else if (stream == QLatin1String("stderr") && (line.startsWith(QLatin1String("Error: Execution timed out"))
                                                         || line.startsWith(QLatin1String("Error: Engine unavailable")))) {
            result.portalError = line;
        } else if (result.others.size() < kMaxNotes) {
            result.others.append(stream.toString() + QLatin1String(": ") + line);
        }
    }
    return result;
}

struct Report
{
    QJsonObject meta;
    QByteArray stdoutBytes, stderrBytes, resultFrame;
};

// The report's bytes: one line of JSON, then stdout, stderr and the result frame back to back.
std::optional<Report> decode(const Scan &lines, const QString &nonce, QString *error)
{
    const auto bytes = QByteArray::fromBase64Encoding(lines.chunks.join(QString()).toLatin1(),
                                                      QByteArray::AbortOnBase64DecodingErrors);
    const qsizetype newline = bytes ? bytes.decoded.indexOf('\n') : -1;
    if (newline < 0) {
        *error = tr("not base64, or no header");
        return std::nullopt;
    }
    Report report;
    report.meta = QJsonDocument::fromJson(bytes.decoded.left(newline)).object();
    const QJsonArray sizes = report.meta.value(QStringLiteral("sections")).toArray();
    const qint64 body = bytes.decoded.size() - newline - 1;
    qint64 sum = 0;
    bool sizesOk = true;
    for (const QJsonValue &size : sizes) {
        sizesOk = sizesOk && size.toInteger(-1) >= 0;
        sum += size.toInteger(0);
    }
    if (!sizesOk || report.meta.value(QStringLiteral("v")).toInt() != 1 || report.meta.value(QStringLiteral("nonce")) != nonce
        || sizes.size() != 3 || sum != body) {
        *error = tr("its header does not match its contents");
        return std::nullopt;
    }
    const qsizetype outSize = sizes[0].toInteger(), errSize = sizes[1].toInteger();
    report.stdoutBytes = bytes.decoded.mid(newline + 1, outSize);
    report.stderrBytes = bytes.decoded.mid(newline + 1 + outSize, errSize);
    report.resultFrame = bytes.decoded.mid(newline + 1 + outSize + errSize);
    return report;
}

CapturedStream captured(const QByteArray &bytes, const QJsonValue &total)
{
    CapturedStream stream;
    stream.bytes = bytes;
    stream.totalBytes = std::max<qint64>(total.toInteger(), bytes.size());
    stream.truncated = stream.totalBytes > bytes.size();
    return stream;
}

void engineFailure(ReplOutcome *outcome, const QString &detail, bool restart)
{
    outcome->envelope.status = RunStatus::EngineError;
    outcome->envelope.statusDetail = detail;
    outcome->restartSandbox = outcome->restartSandbox || restart;
}

} // namespace

ReplOutcome parseReplOutput(const QJsonValue &replResult, const ReplCall &call)
{
    ReplOutcome outcome;
    ResultEnvelope &envelope = outcome.envelope;
    const QJsonObject object = replResult.toObject();
    bool shapeOk = object.value(QStringLiteral("status")) == QLatin1String("success")
        && object.value(QStringLiteral("output")).isArray();
    const auto fail = [&outcome](const QString &detail) {
        engineFailure(&outcome, detail, true);
        return outcome;
    };
    const Scan lines = shapeOk ? scan(object.value(QStringLiteral("output")).toArray(), reportLinePrefix(call.nonce), &shapeOk)
                               : Scan();
    outcome.notes = lines.others;
    if (!shapeOk)
        return fail(tr("the sandbox's REPL answered in a shape PySandbox does not know"));
    // Checked before the report is even looked at: each of these means the report cannot be
    // trusted to be the wrapper's, or the REPL is no longer idle.
    if (lines.duplicate)
        return fail(tr("more than one report carried this run's nonce: something in the sandbox "
                                          "wrote to the REPL's output, so none of them is trusted"));
    if (!lines.portalError.isEmpty())
        return fail(tr("the sandbox's Python did not finish the call (%1); the sandbox has to be "
                                          "restarted").arg(lines.portalError));
    if (lines.failed)
        return fail(tr("PySandbox's wrapper in the sandbox could not send its report"));
    if (!lines.ended || lines.endCount != lines.chunks.size())
        return fail(lines.others.isEmpty()
                                 ? tr("the sandbox's answer holds no complete report from PySandbox's wrapper")
                                 : tr("the sandbox's answer holds no complete report from PySandbox's wrapper; it "
                                      "said: %1").arg(lines.others.first()));
    QString problem;
    const std::optional<Report> report = decode(lines, call.nonce, &problem);
    if (!report)
        return fail(tr("the wrapper's report is damaged: %1").arg(problem));
    outcome.reported = true;
    outcome.restartSandbox = !lines.others.isEmpty(); // something besides the wrapper printed
    const QJsonObject &meta = report->meta;
    if (const QString error = meta.value(QStringLiteral("error")).toString(); !error.isEmpty())
        return fail(tr("PySandbox's wrapper failed in the sandbox: %1").arg(error));

    outcome.snippetUid = meta.value(QStringLiteral("uid")).toInt(-1);
    envelope.stdoutStream = captured(report->stdoutBytes, meta.value(QStringLiteral("stdout_bytes")));
    envelope.stderrStream = captured(report->stderrBytes, meta.value(QStringLiteral("stderr_bytes")));
    const ExecutionOptions &options = call.options;
    ExecutionOptions appliedInVm = options;
    appliedInVm.maxProcesses = 0; // the wrapper sets no RLIMIT_NPROC in the VM
    envelope.usage.wallMs = meta.value(QStringLiteral("wall_ms")).toInteger();
    envelope.usage.cpuMs = meta.value(QStringLiteral("cpu_ms")).toInteger();
    envelope.usage.peakMemoryKb = meta.value(QStringLiteral("max_rss_kb")).toInteger();
    envelope.usage.outputBytes = envelope.stdoutStream.totalBytes + envelope.stderrStream.totalBytes;
    const QJsonObject all = options.toJson(); // only the limits the wrapper enforces
    for (const char *key : {"wall_timeout_ms", "cpu_seconds", "memory_mb", "max_output_bytes", "max_file_size_bytes"})
        envelope.usage.limits.insert(QLatin1String(key), all.value(QLatin1String(key)));

    runner::FrameReader frame;
    frame.append(report->resultFrame);
    std::optional<runner::RunnerResult> result;
    QString protocolError;
    if (frame.state() == runner::FrameReader::State::Complete)
        result = runner::parseResult(frame.payload(), &protocolError);
    if (result)
        result->applyTo(envelope);

    const QString stopped = meta.value(QStringLiteral("stopped")).toString();
    const bool signaled = meta.value(QStringLiteral("signal")).isDouble();
    const int signal = meta.value(QStringLiteral("signal")).toInt();
    const int exitCode = meta.value(QStringLiteral("exit_code")).toInt(-1);
    // A snippet can kill itself with any signal: a CPU verdict also needs the CPU time (≥ 75 %).
    const qint64 cpuLimitMs = options.cpuSeconds * 1000LL;
    const bool cpuReached = cpuLimitMs > 0 && envelope.usage.cpuMs * 4 >= cpuLimitMs * 3;
    if (stopped == QLatin1String("timeout")) {
        envelope.status = RunStatus::Timeout;
    } else if (stopped == QLatin1String("output")) {
        envelope.status = RunStatus::OutputLimit;
    } else if (signaled && (signal == kLinuxSigXcpu || signal == kLinuxSigKill) && cpuReached) {
        envelope.status = RunStatus::CpuLimit;
        envelope.usage.cpuMs = std::max(envelope.usage.cpuMs, signal == kLinuxSigXcpu ? cpuLimitMs : 0);
    } else if (signaled && signal == kLinuxSigXfsz && options.maxFileSizeBytes > 0) {
        envelope.status = RunStatus::FileSizeLimit;
    } else if (frame.state() == runner::FrameReader::State::Oversized) {
        engineFailure(&outcome, tr("the result was larger than %1 MB").arg(runner::kMaxFrameBytes >> 20), false);
    } else if (!result && frame.state() == runner::FrameReader::State::Complete) {
        engineFailure(&outcome, protocolError, false);
    } else if (!result && !signaled && exitCode == 126) { // the wrapper's child could not become the runner
        engineFailure(&outcome, tr("the run could not start in the sandbox: %1")
                                    .arg(QString::fromUtf8(envelope.stderrStream.bytes).trimmed()), true);
    } else if (!result) {
        ErrorInfo crash;
        crash.type = signaled ? QStringLiteral("ProcessCrash") : QStringLiteral("ProcessExit");
        crash.message = signaled ? tr("Python was killed by signal %1 before it returned a result").arg(signal)
                                 : tr("Python exited with code %1 before it returned a result").arg(exitCode);
        envelope.error = crash;
        envelope.status = RunStatus::Error;
    } else if (!result->error) {
        envelope.status = RunStatus::Ok;
    } else if (const auto limit = runner::limitRaisedInPython(*result->error, appliedInVm)) {
        envelope.status = *limit; // as on the native engine, for the limits the wrapper set
        envelope.statusDetail = runner::limitRaisedInPythonDetail(*result->error);
    } else {
        envelope.status = RunStatus::Error;
    }
    if (envelope.statusDetail.isEmpty() && envelope.status != RunStatus::Ok && envelope.error)
        envelope.statusDetail = envelope.error->message;
    return outcome;
}

} // namespace pysandbox::msb
