#pragma once

#include <QStringList>

#include <sys/types.h>

namespace pysandbox {

// Reads from /proc which layers really hold a running process: its namespaces compared with
// ours, its seccomp mode, no_new_privs, effective capabilities, and whether its root is
// mounted read-only. Layers it cannot read are not claimed.
struct VerifiedLayers
{
    QStringList active;
    QStringList unverified; // expected but not confirmed (unreadable or absent)
};

VerifiedLayers verifySandboxLayers(pid_t pid);

// For a process that should share `reference`'s namespaces (a warm run and its zygote, whose
// layers were verified once): the namespace and mount layers hold when every namespace link
// is the same as the reference's; the status layers are read for the process itself.
VerifiedLayers verifySandboxLayersLike(pid_t pid, pid_t reference, const VerifiedLayers &referenceLayers);

// The layers a bubblewrap sandbox is expected to show, in report order.
QStringList expectedSandboxLayers();

} // namespace pysandbox
