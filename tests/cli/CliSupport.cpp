#include "CliSupport.h"

#include <QJsonDocument>
#include <QProcess>

namespace pysandbox::test {

namespace {

QByteArray jsonLine(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

CliResult runCli(const QStringList &arguments, const QByteArray &stdinData, int timeoutMs)
{
    QProcess process;
    process.start(cliPath(), arguments);
    process.write(stdinData);
    process.closeWriteChannel();
    CliResult result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

QStringList batchArguments(const QStringList &extra)
{
    QStringList arguments{QStringLiteral("batch"), QStringLiteral("--python"), testPython()};
    if (!testsRunSandboxed()) // a bwrap that does not exist + the fallback = rlimits only
        arguments << QStringLiteral("--bubblewrap") << QStringLiteral("/nonexistent/bwrap") << QStringLiteral("--allow-unsandboxed");
    return arguments + extra;
}

QString securityLevelPrefix()
{
    return testsRunSandboxed() ? QStringLiteral("namespaces+seccomp") : QStringLiteral("rlimits-only");
}

void parseEnvelopes(const QByteArray &out, BatchResult *result)
{
    for (const QByteArray &line : out.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument document = QJsonDocument::fromJson(line);
        result->everyLineJson = result->everyLineJson && document.isObject();
        result->envelopes.append(document.object());
    }
    result->everyLineJson = result->everyLineJson && (out.isEmpty() || out.endsWith('\n'));
}

BatchResult runBatch(const QStringList &extra, const QByteArray &input, int timeoutMs)
{
    const CliResult run = runCli(batchArguments(extra), input, timeoutMs);
    BatchResult result;
    result.exitCode = run.exitCode;
    parseEnvelopes(run.out, &result);
    result.err = run.err;
    return result;
}

QByteArray request(const QJsonValue &id, const QString &code, const QJsonObject &extra)
{
    QJsonObject object = extra;
    object.insert(QStringLiteral("id"), id);
    object.insert(QStringLiteral("code"), code);
    return jsonLine(object);
}

QString stringField(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString();
}

QString heldSnippet(const QString &marker)
{
    return QStringLiteral("import subprocess, time\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 30; echo %1'])\ntime.sleep(60)\n").arg(marker);
}

} // namespace pysandbox::test
