// The call half of MsbReplCode.h: the one line sent to sandbox.repl.run.
#include "MsbReplCode.h"

#include "native/RunnerProtocol.h"

#include <QFile>
#include <QRandomGenerator>

#include <algorithm>

namespace pysandbox::msb {

namespace {

// Lines of the report: short enough for any line reader, long enough to keep the count low.
constexpr int kReportChunkChars = 16384;
// The portal's timeout comes this long after the wrapper's own wall limit: the wrapper still
// has to kill the child, read its output and print the report. Past it the REPL is lost (§12.6).
constexpr int kPortalGraceSeconds = 10;

QString resourceText(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

const QString &wrapperLiteral()
{
    static const QString literal = pythonStringLiteral(resourceText(QStringLiteral(":/pysandbox/msb/msb_repl_wrapper.py")));
    return literal;
}

// The native engine's runner, unchanged: the VM's child runs exactly what a native run runs.
const QString &runnerLiteral()
{
    static const QString literal = pythonStringLiteral(resourceText(QStringLiteral(":/pysandbox/runner/pysandbox_runner.py")));
    return literal;
}

bool isNonce(const QString &nonce)
{
    if (nonce.size() < 16 || nonce.size() > 64)
        return false;
    for (const QChar c : nonce)
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    return true;
}

QString randomNonce()
{
    QString nonce;
    for (int i = 0; i < 4; ++i)
        nonce += QStringLiteral("%1").arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
    return nonce;
}

} // namespace

QString reportLinePrefix(const QString &nonce)
{
    return QStringLiteral("pysandbox-msb:%1:").arg(nonce);
}

QString pythonStringLiteral(QStringView text)
{
    QString literal;
    literal.reserve(text.size() + text.size() / 8 + 2);
    literal += u'"';
    for (qsizetype i = 0; i < text.size(); ++i) {
        char32_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            c = QChar::surrogateToUcs4(text[i], text[i + 1]);
            ++i;
        } else if (QChar::isSurrogate(c))
            c = 0xFFFD; // Python would refuse to compile a lone surrogate's UTF-8
        switch (c) {
        case U'\\': literal += QLatin1String("\\\\"); continue;
        case U'"': literal += QLatin1String("\\\""); continue;
        case U'\n': literal += QLatin1String("\\n"); continue;
        case U'\r': literal += QLatin1String("\\r"); continue;
        case U'\t': literal += QLatin1String("\\t"); continue;
        default: break;
        }
        // Only printable ASCII goes through as it is: the line must not depend on the encoding
        // the VM's REPL reads its stdin with, and must not contain a line break of any kind.
        if (c >= 0x20 && c < 0x7f)
            literal += QChar(c);
        else if (c < 0x100)
            literal += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        else if (c < 0x10000)
            literal += QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
        else
            literal += QStringLiteral("\\U%1").arg(uint(c), 8, 16, QLatin1Char('0'));
    }
    literal += u'"';
    return literal;
}

ReplCall buildReplCall(const ExecutionRequest &request, const QString &nonce)
{
    ReplCall call;
    call.nonce = isNonce(nonce) ? nonce : randomNonce();
    call.options = request.options;
    if (call.options.wallTimeoutMs <= 0)
        call.options.wallTimeoutMs = ExecutionOptions().wallTimeoutMs; // the wall clock always applies
    call.portalTimeoutSeconds = int((call.options.wallTimeoutMs + 999) / 1000) + kPortalGraceSeconds;
    // Code, inputs and the allowed environment as the runner's own request frame (the warm
    // form, in which the runner sets the variables itself), base64 in the line: no quoting of
    // user data, any size up to the server's body limit, NUL and non-BMP characters included.
    const QByteArray frame = runner::encodeRequest(request, runner::Limits{}, /*withEnvironment=*/true);
    // Concatenated, not QString::arg()'d: the runner's source may contain "%1"-like text.
    const auto number = [](qint64 value) { return QString::number(std::max<qint64>(value, 0)); };
    const QString arguments = QLatin1String("{\"nonce\":\"") + call.nonce
        + QLatin1String("\",\"request\":\"") + QString::fromLatin1(frame.toBase64())
        + QLatin1String("\",\"runner\":") + runnerLiteral()
        + QLatin1String(",\"wall_ms\":") + number(call.options.wallTimeoutMs)
        + QLatin1String(",\"cpu_s\":") + number(call.options.cpuSeconds)
        + QLatin1String(",\"memory_mb\":") + number(call.options.memoryMb)
        + QLatin1String(",\"max_output\":") + number(call.options.maxOutputBytes)
        + QLatin1String(",\"fsize\":") + number(call.options.maxFileSizeBytes)
        // Enough for the host to recognise an oversized result frame as one.
        + QLatin1String(",\"max_result\":") + number(runner::kMaxFrameBytes + 8)
        + QLatin1String(",\"chunk\":") + number(kReportChunkChars) + u'}';
    // The wrapper runs in a dict of its own: the REPL's __main__ gains no names, and exec()
    // returns None, which interactive mode does not echo.
    call.code = QLatin1String("exec(compile(") + wrapperLiteral()
        + QLatin1String(",\"<pysandbox-msb>\",\"exec\"),{\"__name__\":\"__pysandbox_msb__\",\"_CALL\":") + arguments
        + QLatin1String("})");
    return call;
}

} // namespace pysandbox::msb
