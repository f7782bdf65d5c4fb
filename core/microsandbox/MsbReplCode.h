#pragma once

#include "execution/ExecutionOptions.h"
#include "execution/ResultEnvelope.h"

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QStringView>

// One snippet as one `sandbox.repl.run` call (microsandbox-0.2-protocol.md §2.4, §5, §12).
//
// The code sent is a single ASCII line that runs msb_repl_wrapper.py in the sandbox's REPL. The
// wrapper forks, runs the snippet in the child through the native runner (the same request frame,
// result frame and result encoding as the native engine) and prints one report made of ASCII
// lines tagged with a nonce that is new for every call. Code and inputs travel inside the
// runner's request frame, base64-encoded, so no quoting of user data exists at all; the
// snippet's stdout and stderr come back byte for byte inside the report. Why each piece is
// needed is explained in msb_repl_wrapper.py.
namespace pysandbox::msb {

struct ReplCall
{
    QString code;                 // the one line for the request's "code"
    QString nonce;                // 32 hex digits, new for every call
    int portalTimeoutSeconds = 0; // the request's "timeout": after the wrapper's own wall limit
    ExecutionOptions options;     // the limits the wrapper enforces: wall, CPU, memory, output
};

// The line for `request` (code, inputs, the environment the user allowed, limits). A nonce is
// drawn from the system's random generator unless one is given (tests). Working files are not
// carried: they would have to be copied into the VM first (open question for issue #5).
ReplCall buildReplCall(const ExecutionRequest &request, const QString &nonce = {});

// `text` as a Python string literal in double quotes that contains only printable ASCII:
// quotes, backslashes and control characters (NUL, newlines) escaped, everything beyond ASCII
// as \xNN, \uNNNN or \UNNNNNNNN. A lone surrogate becomes U+FFFD, as in QString::toUtf8().
QString pythonStringLiteral(QStringView text);

struct ReplOutcome
{
    // status, status_detail, result, stdout/stderr, displays, error and the usage the sandbox
    // measured; `engine` is left to the engine.
    ResultEnvelope envelope;
    bool reported = false;        // a complete report with this call's nonce was read
    // The sandbox's REPL cannot be trusted to be idle and clean any more (its call timed out,
    // it died, or something other than the wrapper wrote to it): stop and start the sandbox.
    bool restartSandbox = false;
    QStringList notes;            // what else came back (the REPL's own lines), for the log
    int snippetUid = -1;          // the uid the snippet ran as in the VM (the wrapper drops root), -1 unknown
};

// Reads the `result` of a successful sandbox.repl.run reply:
// {"language":"python","output":[{"stream":"stdout"|"stderr","text":"<line>"}…],"status":"success"}.
ReplOutcome parseReplOutput(const QJsonValue &replResult, const ReplCall &call);

// The REPL's line prefix of the report, also used by tests to forge one.
QString reportLinePrefix(const QString &nonce);

} // namespace pysandbox::msb
