#pragma once

#include <QString>

namespace pysandbox {

// Removes a run's scratch tree even when the snippet made parts of it unreadable or
// read-only (chmod 000 directories would otherwise defeat QDir::removeRecursively).
bool removeScratchTree(const QString &path);

} // namespace pysandbox
