#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

namespace pysandbox {

// How a run ended, decided by the host from what it observed.
enum class RunStatus {
    Ok,
    Error,
    Timeout,
    CpuLimit,
    MemoryLimit,
    OutputLimit,
    ProcessLimit,
    FileSizeLimit,
    Cancelled,
    EngineError,
};

QString statusName(RunStatus status);
std::optional<RunStatus> statusFromName(const QString &name);
// True for the statuses that mean "a limit or the user stopped it".
bool isLimitOrCancel(RunStatus status);

struct CapturedStream
{
    QByteArray bytes;      // what was kept (at most the output cap)
    qint64 totalBytes = 0; // what the snippet wrote, as far as the host read
    bool truncated = false;
};

struct ErrorInfo
{
    QString type;
    QString message;
    QString traceback;
    int line = -1; // 1-based line in the user's code, -1 when unknown
    QJsonArray frames;

    // The envelope's and the runner's shared shape: type, message, traceback, line, frames.
    static ErrorInfo fromJson(const QJsonObject &object);
    QJsonObject toJson() const;

    friend bool operator==(const ErrorInfo &, const ErrorInfo &) = default;
};

struct Usage
{
    qint64 wallMs = 0;
    qint64 cpuMs = 0;
    qint64 peakMemoryKb = 0;
    qint64 outputBytes = 0;
    int peakProcesses = 0;
    QJsonObject limits; // the ExecutionOptions limits that applied
};

struct EngineInfo
{
    QString name;
    QString version;
    QString interpreter;       // what ran the snippet (path or image)
    QStringList isolation;     // layers that were actually active for this run
    QString securityLevel;     // e.g. "rlimits-only", "namespaces+seccomp", "micro-vm"
    QString startPath;         // "cold" or "warm"
    QStringList notes;         // honest caveats, e.g. "network egress allowed"
};

// The one versioned result of every engine (docs/result-envelope.md).
struct ResultEnvelope
{
    static constexpr int kVersion = 1;

    QString requestId;
    RunStatus status = RunStatus::EngineError;
    QString statusDetail; // plain words: what stopped the run and why
    bool hasResult = false;
    QJsonValue result;
    bool resultTruncated = false;
    CapturedStream stdoutStream;
    CapturedStream stderrStream;
    QJsonArray displays;
    std::optional<ErrorInfo> error;
    Usage usage;
    EngineInfo engine;

    QJsonObject toJson() const;
    static std::optional<ResultEnvelope> fromJson(const QJsonObject &object, QString *error);

    // An envelope for a run that could not start or whose engine failed.
    static ResultEnvelope engineFailure(const QString &engineName, const QString &message);
};

// "stopped: memory limit 256 MB, peak 255 MB" — the verdict line the UI and CLI show.
QString verdictText(const ResultEnvelope &envelope);

} // namespace pysandbox
