#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

namespace pysandbox {

// Per-run limits and permissions. Zero means "no limit" for the numeric fields
// except wallTimeoutMs, which is always enforced.
struct ExecutionOptions
{
    qint64 wallTimeoutMs = 30'000;
    int cpuSeconds = 30;
    int memoryMb = 1024;
    qint64 maxOutputBytes = 16 * 1024 * 1024;
    int maxProcesses = 64;
    qint64 maxFileSizeBytes = 64 * 1024 * 1024;
    // Host paths the snippet may read; they appear read-only under ./files/.
    QStringList workingFiles;
    // Variables the user explicitly allows into the sandbox (name -> value).
    QMap<QString, QString> environment;

    QJsonObject toJson() const;
    // Fields missing from the object keep their defaults. Returns false and fills
    // *error with a message naming the field when a value has the wrong type or range.
    static bool fromJson(const QJsonObject &object, ExecutionOptions *options, QString *error);
    // Range and sanity checks shared by the JSON codec, the CLI and the UI.
    QString validate() const;

    friend bool operator==(const ExecutionOptions &, const ExecutionOptions &) = default;
};

struct ExecutionRequest
{
    QString id;  // optional caller-chosen id, echoed in the envelope
    QString code;
    QJsonObject inputs;
    ExecutionOptions options;
};

} // namespace pysandbox
