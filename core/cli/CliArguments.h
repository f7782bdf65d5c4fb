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

// Parses argv (without the program name). Reads --inputs @file, but not the code file.
CliCommand parseCliArguments(const QStringList &arguments);
QString cliUsage();
// Any JSON value as compact JSON text (scalars included): 7 -> "7", "a" -> "\"a\"".
QString compactJson(const QJsonValue &value);

} // namespace pysandbox
