#pragma once

#include "execution/ExecutionOptions.h"
#include "execution/ResultEnvelope.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonValue>

#include <optional>

namespace pysandbox {

// The host half of docs/runner-protocol.md: frame codec and the runner's result.
namespace runner {

constexpr int kProtocolVersion = 1;
// The runner caps a result at 8 MB and each display at 4 MB; a bigger frame was not written by
// the runner (the snippet can reach fd 4) and is refused before the host parses it.
constexpr qint64 kMaxFrameBytes = 32LL * 1024 * 1024;
inline constexpr auto kSnippetFilename = "<snippet>";

struct Limits
{
    qint64 maxResultBytes = 8 * 1024 * 1024;
    qint64 maxDisplayBytes = 4 * 1024 * 1024;
    int maxReprChars = 2000;
    int maxItems = 1000;
    int maxTableRows = 50;
    int maxDepth = 32;
};

QByteArray encodeFrame(const QByteArray &payload);
// `environment`: warm runs only, where the runner sets the variables itself (a cold run gets
// them from exec).
QByteArray encodeRequest(const ExecutionRequest &request, const Limits &limits, bool withEnvironment = false);

// Accumulates bytes from the result pipe until one whole frame is there.
class FrameReader
{
public:
    enum class State { Incomplete, Complete, Oversized };
    State append(const QByteArray &bytes);
    State state() const { return m_state; }
    const QByteArray &payload() const { return m_payload; }

private:
    QByteArray m_buffer;
    QByteArray m_payload;
    State m_state = State::Incomplete;
};

struct RunnerResult
{
    bool hasResult = false;
    QJsonValue result;
    bool resultTruncated = false;
    std::optional<ErrorInfo> error;
    QJsonArray displays;

    // Copies what the runner reported (result, displays, error) into an envelope.
    void applyTo(ResultEnvelope &envelope) const;
};

// Parses a result frame's payload; nullopt with *error filled when it is not one.
std::optional<RunnerResult> parseResult(const QByteArray &payload, QString *error);

// Kernel limits refuse inside Python, as exceptions: MemoryError under RLIMIT_AS, EFBIG under
// RLIMIT_FSIZE, EAGAIN from fork under RLIMIT_NPROC. Such an error is a limit's verdict only
// for a limit in `applied` (zero = not applied), so a snippet cannot claim one that was not set.
std::optional<RunStatus> limitRaisedInPython(const ErrorInfo &error, const ExecutionOptions &applied);
// The status detail of that verdict: it rests on what Python said, and says so.
QString limitRaisedInPythonDetail(const ErrorInfo &error);

} // namespace runner
} // namespace pysandbox
