#pragma once

#include "execution/EngineFactory.h"
#include "execution/ExecutionOptions.h"

#include <QStringList>

namespace pysandbox {

// Exit statuses of pysandbox-cli (documented in its --help and the man page).
enum CliExit : int {
    ExitOk = 0,
    ExitSnippetError = 1,
    ExitUsage = 2,
    ExitLimitOrCancel = 3,
    ExitEngineFailure = 4,
};

int exitCodeFor(RunStatus status);

struct CliCommand
{
    enum class Kind { Run, Batch, Doctor, Help, Version, Invalid };

    Kind kind = Kind::Invalid;
    QString codePath;          // "-" for stdin
    EngineChoice engine = EngineChoice::Auto;
    ExecutionOptions options;
    QJsonObject inputs;
    QString python;            // interpreter override
    QString bubblewrap;        // bwrap override (also how `doctor` is shown a machine without it)
    bool allowUnsandboxed = false; // run with rlimits only when the sandbox is unavailable
    bool json = false;
    int parallel = 1;          // batch: runs in flight at once (1..kMaxParallel)
    QString error;             // for Kind::Invalid: what is wrong with the arguments
};

inline constexpr int kMaxParallel = 16;
// A batch line longer than this is answered with an error and never held in memory whole.
inline constexpr qsizetype kMaxBatchLineBytes = 64 * 1024 * 1024;

// One line of `pysandbox-cli batch` input: {"id", "code", "inputs", "options"}. `error` is
// empty when `request` can run; otherwise it says what is wrong, starting with "line N: ".
// `request.id` is filled whenever the line had a readable id, so that an error envelope can
// still be matched to its request. The envelope carries ids as strings, so a numeric id is
// kept as its JSON text (7 -> "7"). `options` are merged over `defaults`.
struct BatchLine
{
    ExecutionRequest request;
    QString error;
};
BatchLine parseBatchLine(const QByteArray &line, qint64 lineNumber, const ExecutionOptions &defaults);
// The answer to a line over kMaxBatchLineBytes (its id is unknown: the line was not kept).
BatchLine oversizedBatchLine(qint64 lineNumber);

// Parses argv (without the program name). Reads --inputs @file, but not the code file.
CliCommand parseCliArguments(const QStringList &arguments);
QString cliUsage();
// Any JSON value as compact JSON text (scalars included): 7 -> "7", "a" -> "\"a\"".
QString compactJson(const QJsonValue &value);

} // namespace pysandbox
