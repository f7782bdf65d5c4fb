#pragma once

// Helpers for the suites that drive the real pysandbox-cli binary (tst_cli, tst_cli_batch,
// tst_cli_batch_streaming).
#include "TestSupport.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace pysandbox::test {

struct CliResult
{
    int exitCode = -1; // also when it crashed or did not finish in time
    QByteArray out;
    QByteArray err;
};

// Runs pysandbox-cli with `stdinData` on standard input, which is then closed.
CliResult runCli(const QStringList &arguments, const QByteArray &stdinData = {}, int timeoutMs = 60'000);

struct BatchResult
{
    int exitCode = -1;
    QList<QJsonObject> envelopes; // one per stdout line, in the order printed
    bool everyLineJson = true;
    QByteArray err;
};

// `batch --python <test python>`, plus the fallback options when the suite runs unsandboxed.
QStringList batchArguments(const QStringList &extra = {});
// The warm path may add layers (landlock) after these; the prefix is what must never be lost.
QString securityLevelPrefix();
// Appends one envelope per non-empty line of `out` to `result`.
void parseEnvelopes(const QByteArray &out, BatchResult *result);
// Runs `pysandbox-cli batch` with `input` on standard input, which is then closed.
BatchResult runBatch(const QStringList &extra, const QByteArray &input, int timeoutMs = 30'000);
// One request line: `extra` (inputs, options, …) with "id" and "code" set, and a newline.
QByteArray request(const QJsonValue &id, const QString &code, const QJsonObject &extra = {});
QString stringField(const QJsonObject &object, const char *key);
// A snippet that holds a host-visible process (its marker in the command line) until cancelled.
QString heldSnippet(const QString &marker);

} // namespace pysandbox::test
