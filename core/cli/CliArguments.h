#pragma once

#include "execution/EngineFactory.h"
#include "execution/ExecutionOptions.h"
#include "microsandbox/MicrosandboxEngine.h"

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
    enum class Kind { Run, Batch, Doctor, StopSandbox, Help, Version, Invalid };

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
    // The microsandbox engine's options. Unset fields (empty, 0) keep MSB_SERVER_URL and
    // MSB_API_KEY from the environment, then MicrosandboxConfig's defaults.
    struct Microsandbox
    {
        QString server;
        QString apiKey;         // --token KEY or --token @FILE (a file keeps it out of `ps`)
        QString serverKeyFile;  // --server-key: may mint fresh keys from this server.key
        QString ns;
        QString sandbox;
        QString image;
        int memoryMib = 0;
        int cpus = 0;
        bool freshVm = false;
        QString msbProgram;
    } microsandbox;
    QString error;             // for Kind::Invalid: what is wrong with the arguments
};

inline constexpr int kMaxParallel = 16;

// Parses argv (without the program name). Reads --inputs @file and --token @file, but not the code file.
CliCommand parseCliArguments(const QStringList &arguments);
// The microsandbox engine's configuration: the command line over the environment over defaults.
MicrosandboxConfig microsandboxConfigFor(const CliCommand &command);
QString cliUsage();

} // namespace pysandbox
