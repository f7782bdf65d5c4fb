#pragma once

#include "ChildProcess.h"
#include "PythonInterpreter.h"
#include "execution/ExecutionOptions.h"
#include "isolation/IsolationProbe.h"

namespace pysandbox {

// What the native engine found on this machine: the interpreter and the isolation layers.
struct NativeEnvironment
{
    PythonInterpreter python;
    IsolationSupport isolation;
};

struct NativeLaunchInputs
{
    const ExecutionOptions &options;
    const PythonInterpreter &python;
    const QString &runnerSource;
    QStringList extraReadOnlyPaths;
    QStringList removedLayers;
};

// A plain child: rlimits, own session, clean environment, host scratch directory.
LaunchSpec plainLaunch(const NativeLaunchInputs &inputs, const QString &scratchRoot);

// The same child inside bubblewrap with the seccomp program on `seccompFd` (a parent fd).
LaunchSpec sandboxedLaunch(const NativeLaunchInputs &inputs, const QString &bubblewrap, int seccompFd);

// A warm zygote (resources/runner/pysandbox_zygote.py) in the same sandbox as a cold run,
// holding `controlFd` (a parent fd) as its control socket. inputs.options sets the limits
// of the sandbox as a whole; each run lowers them for itself.
LaunchSpec zygoteLaunch(const NativeLaunchInputs &inputs, const QString &bubblewrap, int seccompFd, int controlFd,
                        const QString &zygoteSource, const QStringList &preload);

// A sealed memfd holding the standard seccomp program, or -1 with *error set.
int seccompProgramFd(QString *error);

} // namespace pysandbox
