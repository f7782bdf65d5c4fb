#include "PythonInterpreter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::PythonLocator", text);
}

// Printed as one JSON line so that shims or site hooks writing to stdout cannot confuse it.
constexpr auto kProbeScript = R"PY(import json, os, sys, site
paths = []
try:
    paths = site.getsitepackages()
except Exception:
    pass
print("PYSANDBOX-PROBE " + json.dumps({
    "executable": sys.executable,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "major": sys.version_info[0], "minor": sys.version_info[1],
    "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "site": [p for p in paths if os.path.isdir(p)],
    "fork": hasattr(os, "fork"),
}))
)PY";

} // namespace

PythonInterpreter PythonLocator::locate(const QString &configured)
{
    const QString candidate = configured.trimmed().isEmpty() ? QStringLiteral("python3") : configured.trimmed();
    return inspect(candidate);
}

PythonInterpreter PythonLocator::inspect(const QString &candidate)
{
    PythonInterpreter info;
    info.requested = candidate;
    QString program = candidate;
    if (!candidate.contains(QLatin1Char('/'))) {
        program = QStandardPaths::findExecutable(candidate);
        if (program.isEmpty()) {
            info.error = tr("no \"%1\" found on PATH; install Python 3.9 or newer or set the interpreter path in the settings")
                             .arg(candidate);
            return info;
        }
    } else if (!QFileInfo(candidate).isExecutable()) {
        info.error = tr("the interpreter \"%1\" does not exist or is not executable").arg(candidate);
        return info;
    }

    QProcess process;
    process.setProgram(program);
    // -I keeps PYTHON* variables and the user's site directory from changing the answer.
    process.setArguments({QStringLiteral("-I"), QStringLiteral("-c"), QString::fromUtf8(kProbeScript)});
    process.setStandardInputFile(QProcess::nullDevice());
    process.start();
    if (!process.waitForFinished(15'000)) {
        process.kill();
        process.waitForFinished(1000);
        info.error = tr("the interpreter \"%1\" did not answer within 15 s").arg(program);
        return info;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        const QString stderrText = QString::fromLocal8Bit(process.readAllStandardError()).trimmed().left(400);
        info.error = tr("the interpreter \"%1\" failed to run (%2)").arg(program, stderrText.isEmpty() ? process.errorString() : stderrText);
        return info;
    }
    QJsonObject facts;
    const QList<QByteArray> lines = process.readAllStandardOutput().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith("PYSANDBOX-PROBE "))
            facts = QJsonDocument::fromJson(line.mid(16)).object();
    if (facts.isEmpty()) {
        info.error = tr("\"%1\" does not look like a Python interpreter").arg(program);
        return info;
    }
    info.executable = facts.value(QStringLiteral("executable")).toString();
    if (info.executable.isEmpty())
        info.executable = program;
    info.canonicalExecutable = QFileInfo(info.executable).canonicalFilePath();
    info.version = facts.value(QStringLiteral("version")).toString();
    info.major = facts.value(QStringLiteral("major")).toInt();
    info.minor = facts.value(QStringLiteral("minor")).toInt();
    info.prefix = facts.value(QStringLiteral("prefix")).toString();
    info.basePrefix = facts.value(QStringLiteral("base_prefix")).toString();
    for (const QJsonValue &path : facts.value(QStringLiteral("site")).toArray())
        info.sitePackages.append(path.toString());
    info.hasFork = facts.value(QStringLiteral("fork")).toBool();
    if (info.major != 3 || info.minor < kMinimumMinor)
        info.error = tr("Python %1 at \"%2\" is too old; PySandbox needs Python 3.%3 or newer")
                         .arg(info.version, info.executable)
                         .arg(kMinimumMinor);
    return info;
}

} // namespace pysandbox
