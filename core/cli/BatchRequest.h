#pragma once

#include "execution/ExecutionOptions.h"

#include <QByteArray>
#include <QString>

namespace pysandbox {

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

} // namespace pysandbox
