#include "CliArguments.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::cli", text);
}

CliCommand invalid(const QString &message)
{
    CliCommand command;
    command.kind = CliCommand::Kind::Invalid;
    command.error = message;
    return command;
}

bool parseInputs(const QString &spec, QJsonObject *inputs, QString *error)
{
    QByteArray text = spec.toUtf8();
    if (spec.startsWith(QLatin1Char('@'))) {
        QFile file(spec.mid(1));
        if (!file.open(QIODevice::ReadOnly)) {
            *error = tr("cannot read the inputs file \"%1\": %2").arg(spec.mid(1), file.errorString());
            return false;
        }
        text = file.readAll();
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = tr("--inputs is not valid JSON: %1 at character %2").arg(parseError.errorString()).arg(parseError.offset);
        return false;
    }
    if (!document.isObject()) {
        *error = tr("--inputs must be a JSON object, like {\"x\": 1}");
        return false;
    }
    *inputs = document.object();
    return true;
}

bool parseNumber(const QString &option, const QString &text, double min, double max, double *out, QString *error)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < min || value > max) {
        *error = tr("%1 needs a number between %2 and %3, not \"%4\"").arg(option).arg(min).arg(max).arg(text);
        return false;
    }
    *out = value;
    return true;
}

bool parseWhole(const QString &option, const QString &text, qint64 min, qint64 max, qint64 *out, QString *error)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max) {
        *error = tr("%1 needs a whole number between %2 and %3, not \"%4\"").arg(option).arg(min).arg(max).arg(text);
        return false;
    }
    *out = value;
    return true;
}

// True if `name` is a microsandbox option (then *error says whether its value was bad).
bool applyMicrosandboxOption(CliCommand::Microsandbox &msb, const QString &name, const QString &value, QString *error)
{
    qint64 whole = 0;
    error->clear();
    if (name == QLatin1String("--server")) {
        if (!msb::isServerUrl(value))
            *error = tr("--server needs an http:// URL such as http://127.0.0.1:5555, not \"%1\"").arg(value);
        msb.server = value;
    } else if (name == QLatin1String("--token")) {
        msb.apiKey = value.trimmed();
        if (value.startsWith(QLatin1Char('@'))) {
            QFile file(value.mid(1));
            if (!file.open(QIODevice::ReadOnly))
                *error = tr("cannot read the token file \"%1\": %2").arg(value.mid(1), file.errorString());
            msb.apiKey = QString::fromUtf8(file.readAll()).trimmed();
        }
    } else if (name == QLatin1String("--server-key")) {
        msb.serverKeyFile = value;
    } else if (name == QLatin1String("--namespace") || name == QLatin1String("--sandbox")) {
        const auto kind = name == QLatin1String("--namespace") ? msb::NameKind::Namespace : msb::NameKind::Sandbox;
        *error = msb::nameProblem(value, kind);
        (kind == msb::NameKind::Namespace ? msb.ns : msb.sandbox) = value;
    } else if (name == QLatin1String("--image")) {
        msb.image = value;
    } else if (name == QLatin1String("--vm-memory")) {
        if (parseWhole(name, value, 128, 1024 * 1024, &whole, error))
            msb.memoryMib = static_cast<int>(whole);
    } else if (name == QLatin1String("--vm-cpus")) {
        if (parseWhole(name, value, 1, 255, &whole, error))
            msb.cpus = static_cast<int>(whole);
    } else if (name == QLatin1String("--msb")) {
        msb.msbProgram = value;
    } else {
        return false;
    }
    return true;
}

bool applyRunOption(CliCommand &command, const QString &name, const QString &value, QString *error)
{
    ExecutionOptions &options = command.options;
    double seconds = 0;
    qint64 whole = 0;
    if (name == QLatin1String("--engine")) {
        const auto choice = engineChoiceFromName(value);
        if (!choice) {
            *error = tr("--engine must be auto, native or microsandbox, not \"%1\"").arg(value);
            return false;
        }
        command.engine = *choice;
    } else if (name == QLatin1String("--inputs")) {
        return parseInputs(value, &command.inputs, error);
    } else if (name == QLatin1String("--timeout")) {
        if (!parseNumber(name, value, 0.001, 86400, &seconds, error))
            return false;
        options.wallTimeoutMs = std::max<qint64>(1, std::llround(seconds * 1000));
    } else if (name == QLatin1String("--cpu")) {
        if (!parseWhole(name, value, 0, 86400, &whole, error))
            return false;
        options.cpuSeconds = static_cast<int>(whole);
    } else if (name == QLatin1String("--memory")) {
        if (!parseWhole(name, value, 0, 1024 * 1024, &whole, error))
            return false;
        options.memoryMb = static_cast<int>(whole);
    } else if (name == QLatin1String("--max-output")) {
        if (!parseWhole(name, value, 0, 1LL << 40, &whole, error))
            return false;
        options.maxOutputBytes = whole;
    } else if (name == QLatin1String("--max-processes")) {
        if (!parseWhole(name, value, 0, 100000, &whole, error))
            return false;
        options.maxProcesses = static_cast<int>(whole);
    } else if (name == QLatin1String("--max-file-size")) {
        if (!parseWhole(name, value, 0, 1LL << 40, &whole, error))
            return false;
        options.maxFileSizeBytes = whole;
    } else if (name == QLatin1String("--file")) {
        options.workingFiles.append(value);
    } else if (name == QLatin1String("--env")) {
        const qsizetype equals = value.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            *error = tr("--env needs NAME=value, not \"%1\"").arg(value);
            return false;
        }
        options.environment.insert(value.left(equals), value.mid(equals + 1));
    } else if (name == QLatin1String("--parallel")) {
        if (!parseWhole(name, value, 1, kMaxParallel, &whole, error))
            return false;
        command.parallel = static_cast<int>(whole);
    } else if (applyMicrosandboxOption(command.microsandbox, name, value, error)) {
        return error->isEmpty();
    } else if (name == QLatin1String("--python")) {
        command.python = value;
    } else if (name == QLatin1String("--bubblewrap")) {
        command.bubblewrap = value;
    } else {
        *error = tr("unknown option \"%1\"").arg(name);
        return false;
    }
    return true;
}

// The options each verb takes: limits describe a run, machine options the engine's host.
const QStringList kLimitOptions{
    QStringLiteral("--timeout"), QStringLiteral("--cpu"), QStringLiteral("--memory"), QStringLiteral("--max-output"),
    QStringLiteral("--max-processes"), QStringLiteral("--max-file-size"), QStringLiteral("--file"), QStringLiteral("--env"),
};
const QStringList kMicrosandboxOptions{
    QStringLiteral("--server"), QStringLiteral("--token"), QStringLiteral("--server-key"), QStringLiteral("--namespace"),
    QStringLiteral("--sandbox"), QStringLiteral("--image"), QStringLiteral("--vm-memory"), QStringLiteral("--vm-cpus"),
    QStringLiteral("--msb"),
};
const QStringList kMachineOptions = QStringList{QStringLiteral("--python"), QStringLiteral("--bubblewrap")} + kMicrosandboxOptions;
const QString kFreshVm = QStringLiteral("--fresh-vm");
const QString kEngine = QStringLiteral("--engine");
const QString kJson = QStringLiteral("--json");
const QString kAllowUnsandboxed = QStringLiteral("--allow-unsandboxed");

struct Verb
{
    CliCommand::Kind kind;
    QStringList valueOptions;
    QStringList flags;
};

const QList<std::pair<QString, Verb>> kVerbs{
    {QStringLiteral("run"),
     {CliCommand::Kind::Run, QStringList{kEngine, QStringLiteral("--inputs")} + kLimitOptions + kMachineOptions,
      {kJson, kAllowUnsandboxed, kFreshVm}}},
    {QStringLiteral("batch"),
     {CliCommand::Kind::Batch, QStringList{kEngine, QStringLiteral("--parallel")} + kLimitOptions + kMachineOptions,
      {kAllowUnsandboxed, kFreshVm}}},
    {QStringLiteral("doctor"), {CliCommand::Kind::Doctor, kMachineOptions, {kJson, kAllowUnsandboxed}}},
    {QStringLiteral("stop-sandbox"), {CliCommand::Kind::StopSandbox, kMicrosandboxOptions, {}}},
};

bool isKnownOption(const QString &name)
{
    return std::any_of(kVerbs.cbegin(), kVerbs.cend(), [&name](const auto &verb) {
        return verb.second.valueOptions.contains(name) || verb.second.flags.contains(name);
    });
}

// The options after the verb; only `run` takes a positional argument (the snippet file).
CliCommand parseVerb(const QString &verbName, const Verb &verb, const QStringList &arguments)
{
    CliCommand command;
    command.kind = verb.kind;
    bool haveFile = false;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        QString name = arguments.at(i);
        QString value;
        bool inlineValue = false;
        if (name.startsWith(QLatin1String("--")) && name.contains(QLatin1Char('='))) {
            const qsizetype equals = name.indexOf(QLatin1Char('='));
            value = name.mid(equals + 1);
            name = name.left(equals);
            inlineValue = true;
        }
        if (verb.flags.contains(name)) {
            (name == kJson ? command.json : name == kFreshVm ? command.microsandbox.freshVm : command.allowUnsandboxed) = true;
        } else if (verb.valueOptions.contains(name)) {
            if (!inlineValue) {
                if (i + 1 >= arguments.size())
                    return invalid(tr("%1 needs a value").arg(name));
                value = arguments.at(++i);
            }
            QString error;
            if (!applyRunOption(command, name, value, &error))
                return invalid(error);
        } else if (name.startsWith(QLatin1String("--")) || (name.startsWith(QLatin1Char('-')) && name != QLatin1String("-"))) {
            if (isKnownOption(name))
                return invalid(tr("%1 does not take the option \"%2\"").arg(verbName, name));
            return invalid(tr("unknown option \"%1\"").arg(name));
        } else if (verb.kind != CliCommand::Kind::Run) {
            return invalid(tr("%1 takes no argument \"%2\"").arg(verbName, name));
        } else if (haveFile) {
            return invalid(tr("only one snippet file may be given (got \"%1\" and \"%2\")").arg(command.codePath, name));
        } else {
            command.codePath = name;
            haveFile = true;
        }
    }
    if (verb.kind == CliCommand::Kind::Run && !haveFile)
        return invalid(tr("run needs a snippet file, or - to read it from standard input"));
    if (const QString problem = command.options.validate(); !problem.isEmpty())
        return invalid(problem);
    return command;
}

} // namespace

int exitCodeFor(RunStatus status)
{
    switch (status) {
    case RunStatus::Ok:
        return ExitOk;
    case RunStatus::Error:
        return ExitSnippetError;
    case RunStatus::EngineError:
        return ExitEngineFailure;
    default:
        return ExitLimitOrCancel;
    }
}

CliCommand parseCliArguments(const QStringList &arguments)
{
    if (arguments.isEmpty())
        return invalid(tr("no command given"));
    const QString &verb = arguments.first();
    CliCommand command;
    if (verb == QLatin1String("--help") || verb == QLatin1String("-h") || verb == QLatin1String("help")) {
        command.kind = CliCommand::Kind::Help;
        return command;
    }
    if (verb == QLatin1String("--version") || verb == QLatin1String("version")) {
        command.kind = CliCommand::Kind::Version;
        return command;
    }
    for (const auto &[name, spec] : kVerbs)
        if (verb == name)
            return parseVerb(name, spec, arguments);
    return invalid(tr("unknown command \"%1\"").arg(verb));
}

MicrosandboxConfig microsandboxConfigFor(const CliCommand &command)
{
    const CliCommand::Microsandbox &given = command.microsandbox;
    MicrosandboxConfig config = MicrosandboxConfig::fromEnvironment();
    if (!given.server.isEmpty())
        config.server = QUrl(given.server);
    if (!given.apiKey.isEmpty())
        config.credentials.apiKey = given.apiKey;
    if (!given.serverKeyFile.isEmpty()) {
        config.credentials.serverKeyFile = given.serverKeyFile;
        config.credentials.mayMint = true;
    }
    if (!given.ns.isEmpty())
        config.ns = given.ns;
    config.sandboxName = given.sandbox;
    if (!given.image.isEmpty())
        config.vm.image = given.image;
    if (given.memoryMib > 0)
        config.vm.memoryMib = given.memoryMib;
    if (given.cpus > 0)
        config.vm.cpus = given.cpus;
    config.freshVmPerRun = given.freshVm;
    config.msbProgram = given.msbProgram;
    return config;
}

QString cliUsage()
{
    return tr(
        "Usage:\n"
        "  pysandbox-cli run FILE|- [options]   run a Python snippet in a sandbox\n"
        "  pysandbox-cli batch [options]        run one JSON request per line of standard input\n"
        "                                       and print one result envelope per line\n"
        "  pysandbox-cli doctor [--json] [--python PATH] [--bubblewrap PATH] [--allow-unsandboxed]\n"
        "                                       show which engines are ready and why not\n"
        "  pysandbox-cli stop-sandbox [microsandbox options]\n"
        "                                       stop the warm microsandbox VM (runs leave it warm)\n"
        "  pysandbox-cli --version | --help\n"
        "\n"
        "Run options:\n"
        "  --engine auto|native|microsandbox   engine to use (auto: the strongest ready one)\n"
        "  --inputs JSON|@file                 the inputs object the snippet sees as `inputs`\n"
        "  --timeout S                         wall-time limit in seconds (default 30)\n"
        "  --cpu S                             CPU-time limit in seconds (default 30, 0 = none)\n"
        "  --memory MB                         memory limit in MB (default 1024, 0 = none)\n"
        "  --max-output BYTES                  stdout+stderr cap (default 16 MiB, 0 = none)\n"
        "  --max-processes N                   process limit (default 64, 0 = none)\n"
        "  --max-file-size BYTES               largest file the snippet may write (default 64 MiB)\n"
        "  --file PATH                         a read-only input file, visible as files/<name>\n"
        "  --env NAME=VALUE                    an environment variable to pass in\n"
        "  --python PATH                       the interpreter for the native engine\n"
        "  --bubblewrap PATH                   the bwrap program for the native sandbox\n"
        "  --allow-unsandboxed                 if the sandbox is unavailable, run with resource\n"
        "                                      limits only instead of refusing\n"
        "  --json                              print exactly one result envelope as JSON\n"
        "\n"
        "Microsandbox options (run, batch, doctor, stop-sandbox):\n"
        "  --server URL                        the microsandbox 0.2.x server (default\n"
        "                                      $MSB_SERVER_URL or http://127.0.0.1:5555)\n"
        "  --token KEY|@file                   its API key, msb_... (default $MSB_API_KEY)\n"
        "  --server-key FILE                   mint a fresh key from this server.key when the\n"
        "                                      key is missing, rejected or expired\n"
        "  --namespace NS                      the namespace (default: default)\n"
        "  --sandbox NAME                      the warm VM's name (default: pysandbox-default)\n"
        "  --image IMAGE                       the image (default microsandbox/python)\n"
        "  --vm-memory MIB, --vm-cpus N        the VM's size (default 1024 MiB, 1 CPU)\n"
        "  --fresh-vm                          a new VM for every run (run, batch)\n"
        "  --msb PATH                          the msb command for the version check\n"
        "\n"
        "Batch: each line is {\"id\": ..., \"code\": ..., \"inputs\": {...}, \"options\": {...}};\n"
        "options use the envelope's limit names (wall_timeout_ms, memory_mb, ...) and override the\n"
        "command line. batch takes the run options except --inputs and --json, and:\n"
        "  --parallel N                        runs at once, 1 to 16 (default 1: in input order;\n"
        "                                      otherwise results come as runs finish)\n"
        "\n"
        "Exit status: 0 ok, 1 the snippet raised an error, 2 usage error,\n"
        "3 a limit stopped the run or it was cancelled, 4 the engine failed.\n"
        "batch exits 0 once every line has an envelope (failed snippets included), 3 when\n"
        "interrupted or when standard output closes, 4 when the engine is not ready.\n");
}

} // namespace pysandbox
