// The memory section of pysandbox-bench: what the warm pool costs idle and per live run.
#pragma once

#include "BenchRuns.h"

namespace pysandbox::bench {

struct PoolMemory
{
    qint64 startupMs = 0;
    int restarts = 0; // of the zygote during the whole benchmark: each one skews the warm rows
    QStringList preloaded;
    int processes = 0;      // in the sandbox's tree, bubblewrap included
    qint64 rssKb = 0;       // summed over the tree: shared pages count once per process
    qint64 pssKb = 0;       // shared pages split between their users
    qint64 zygoteMappedKb = 0;
    // The tree's PSS while `liveRuns` warm runs each held `heldKb` of their own and slept.
    int liveRuns = 0;
    qint64 heldKb = 0;
    qint64 liveIdlePssKb = 0;
    qint64 liveBusyPssKb = 0;
    bool liveMeasured = false;
};

// Expects the engine's pool to be Ready and idle.
PoolMemory measurePoolMemory(NativeEngine &warm, Failures *failures);
// Prints the memory section; privateKb are usage.peakMemoryKb of warm trivial runs. Returns
// the same numbers for the JSON report.
QJsonObject printPoolMemory(const PoolMemory &memory, QList<double> privateKb);

} // namespace pysandbox::bench
