#pragma once
// The portal of microsandbox-0.2-protocol.md §5, played by a real interpreter, for the
// tst_msb_replcode* suites: the generated line runs exactly where the sandbox would run it.

#include "microsandbox/MsbReplCode.h"

#include "TestSupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>

namespace pysandbox::msbtest {

using namespace pysandbox::msb;

// Plays the portal (microsandbox-0.2-protocol.md §5) with a real interpreter: one persistent
// `python3 -q -u -i -c "import sys; sys.ps1=sys.ps2=''"`; each call writes the code plus "\n",
// then "\nprint('eoe_<random>')\n", and collects stdout lines until one equals the marker. Like
// the portal, a call that never sees its marker ends with the stderr line of a REPL timeout.
class FakePortal
{
public:
    FakePortal()
    {
        m_repl.start(pysandbox::test::testPython(), {QStringLiteral("-q"), QStringLiteral("-u"), QStringLiteral("-i"),
                                          QStringLiteral("-c"), QStringLiteral("import sys; sys.ps1=sys.ps2=''")});
        m_repl.waitForStarted();
    }
    ~FakePortal()
    {
        m_repl.closeWriteChannel();
        if (!m_repl.waitForFinished(5000))
            m_repl.kill();
        m_repl.waitForFinished(1000);
    }

    // The `result` of a successful sandbox.repl.run. *rawStdout: the REPL's bytes for this call.
    QJsonObject call(const QString &code, int timeoutSeconds, QByteArray *rawStdout = nullptr)
    {
        const QByteArray marker = "eoe_" + QByteArray::number(++m_calls) + "x7Qz";
        m_repl.write(code.toUtf8() + "\n\nprint('" + marker + "')\n");
        QByteArray out;
        QElapsedTimer clock;
        clock.start();
        bool done = false;
        while (!done && clock.elapsed() < timeoutSeconds * 1000LL) {
            m_repl.waitForReadyRead(50);
            out += m_repl.readAllStandardOutput();
            done = out.endsWith("\n" + marker + "\n") || out == marker + "\n";
            if (m_repl.state() == QProcess::NotRunning && !done) {
                out += m_repl.readAllStandardOutput();
                break;
            }
        }
        const QByteArray err = m_repl.readAllStandardError();
        if (done)
            out.chop(marker.size() + 1);
        if (rawStdout)
            *rawStdout = out;
        QJsonArray output;
        const auto add = [&output](const char *stream, const QByteArray &bytes) {
            for (const QByteArray &line : bytes.split('\n'))
                if (!line.isEmpty())
                    output.append(QJsonObject{{QStringLiteral("stream"), QLatin1String(stream)},
                                              {QStringLiteral("text"), QString::fromUtf8(line)}});
        };
        add("stdout", out);
        add("stderr", err);
        if (!done)
            output.append(QJsonObject{{QStringLiteral("stream"), QStringLiteral("stderr")},
                                      {QStringLiteral("text"), QStringLiteral("Error: Execution timed out after %1 seconds").arg(timeoutSeconds)}});
        return {{QStringLiteral("language"), QStringLiteral("python")}, {QStringLiteral("output"), output},
                {QStringLiteral("status"), QStringLiteral("success")}};
    }

    bool alive() const { return m_repl.state() == QProcess::Running; }

private:
    QProcess m_repl;
    int m_calls = 0;
};

struct Run
{
    ReplOutcome outcome;
    QByteArray replStdout; // what the portal itself would have read
    ResultEnvelope &envelope() { return outcome.envelope; }
};

inline Run run(FakePortal &portal, const QString &code, const QJsonObject &inputs = {}, ExecutionOptions options = {})
{
    ExecutionRequest request;
    request.code = code;
    request.inputs = inputs;
    // A shorter wall than the default 30 s keeps a broken test from waiting for the portal timeout.
    if (options.wallTimeoutMs == ExecutionOptions().wallTimeoutMs)
        options.wallTimeoutMs = 20'000;
    request.options = options;
    const ReplCall call = buildReplCall(request);
    Run result;
    const QJsonObject reply = portal.call(call.code, call.portalTimeoutSeconds, &result.replStdout);
    result.outcome = parseReplOutput(reply, call);
    return result;
}

// §12.4: a line that is not valid UTF-8 kills the REPL. The report must be printable ASCII lines.
inline bool portalSafe(const QByteArray &bytes)
{
    for (const char c : bytes)
        if (static_cast<unsigned char>(c) >= 0x7f || (static_cast<unsigned char>(c) < 0x20 && c != '\n'))
            return false;
    return bytes.isEmpty() || bytes.endsWith('\n');
}

// Gone or a zombie (whoever inherits orphans here may not reap them at once).
inline bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    return !line.mid(line.lastIndexOf(')') + 2, 1).startsWith('Z');
}

inline QString text(const CapturedStream &stream)
{
    return QString::fromUtf8(stream.bytes);
}

} // namespace pysandbox::msbtest
