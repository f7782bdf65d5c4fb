#include "ExecutionOptions.h"

#include <QCoreApplication>
#include <QJsonArray>

#include <limits>

namespace pysandbox {

namespace {

constexpr qint64 kMaxWallMs = 24LL * 3600 * 1000;

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::ExecutionOptions", text);
}

bool readInteger(const QJsonObject &object, const char *key, qint64 min, qint64 max, qint64 *out, QString *error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return true;
    const double number = value.toDouble(std::numeric_limits<double>::quiet_NaN());
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number))) {
        *error = tr("option \"%1\" must be a whole number").arg(QLatin1String(key));
        return false;
    }
    const auto integer = static_cast<qint64>(number);
    if (integer < min || integer > max) {
        *error = tr("option \"%1\" must be between %2 and %3").arg(QLatin1String(key)).arg(min).arg(max);
        return false;
    }
    *out = integer;
    return true;
}

} // namespace

QJsonObject ExecutionOptions::toJson() const
{
    QJsonObject env;
    for (auto it = environment.cbegin(); it != environment.cend(); ++it)
        env.insert(it.key(), it.value());
    return {
        {QStringLiteral("wall_timeout_ms"), wallTimeoutMs},
        {QStringLiteral("cpu_seconds"), cpuSeconds},
        {QStringLiteral("memory_mb"), memoryMb},
        {QStringLiteral("max_output_bytes"), maxOutputBytes},
        {QStringLiteral("max_processes"), maxProcesses},
        {QStringLiteral("max_file_size_bytes"), maxFileSizeBytes},
        {QStringLiteral("working_files"), QJsonArray::fromStringList(workingFiles)},
        {QStringLiteral("environment"), env},
    };
}

bool ExecutionOptions::fromJson(const QJsonObject &object, ExecutionOptions *options, QString *error)
{
    ExecutionOptions parsed = *options;
    qint64 wall = parsed.wallTimeoutMs, cpu = parsed.cpuSeconds, mem = parsed.memoryMb;
    qint64 out = parsed.maxOutputBytes, procs = parsed.maxProcesses, fsize = parsed.maxFileSizeBytes;
    constexpr qint64 kInt = std::numeric_limits<int>::max();
    constexpr qint64 kBig = std::numeric_limits<qint64>::max() / 2;
    if (!readInteger(object, "wall_timeout_ms", 1, kMaxWallMs, &wall, error)
        || !readInteger(object, "cpu_seconds", 0, kInt, &cpu, error)
        || !readInteger(object, "memory_mb", 0, 1024 * 1024, &mem, error)
        || !readInteger(object, "max_output_bytes", 0, kBig, &out, error)
        || !readInteger(object, "max_processes", 0, kInt, &procs, error)
        || !readInteger(object, "max_file_size_bytes", 0, kBig, &fsize, error))
        return false;
    parsed.wallTimeoutMs = wall;
    parsed.cpuSeconds = static_cast<int>(cpu);
    parsed.memoryMb = static_cast<int>(mem);
    parsed.maxOutputBytes = out;
    parsed.maxProcesses = static_cast<int>(procs);
    parsed.maxFileSizeBytes = fsize;

    if (const QJsonValue files = object.value(QStringLiteral("working_files")); !files.isUndefined()) {
        if (!files.isArray()) {
            *error = tr("option \"working_files\" must be a list of paths");
            return false;
        }
        parsed.workingFiles.clear();
        for (const QJsonValue &file : files.toArray()) {
            if (!file.isString() || file.toString().isEmpty()) {
                *error = tr("option \"working_files\" must contain only non-empty paths");
                return false;
            }
            parsed.workingFiles.append(file.toString());
        }
    }
    if (const QJsonValue env = object.value(QStringLiteral("environment")); !env.isUndefined()) {
        if (!env.isObject()) {
            *error = tr("option \"environment\" must be an object of NAME: value strings");
            return false;
        }
        parsed.environment.clear();
        const QJsonObject envObject = env.toObject();
        for (auto it = envObject.begin(); it != envObject.end(); ++it) {
            if (!it.value().isString()) {
                *error = tr("environment variable \"%1\" must have a string value").arg(it.key());
                return false;
            }
            parsed.environment.insert(it.key(), it.value().toString());
        }
    }
    if (const QString problem = parsed.validate(); !problem.isEmpty()) {
        *error = problem;
        return false;
    }
    *options = parsed;
    return true;
}

QString ExecutionOptions::validate() const
{
    if (wallTimeoutMs <= 0 || wallTimeoutMs > kMaxWallMs)
        return tr("the wall-time limit must be between 1 ms and 24 hours");
    if (cpuSeconds < 0 || memoryMb < 0 || maxOutputBytes < 0 || maxProcesses < 0 || maxFileSizeBytes < 0)
        return tr("limits cannot be negative");
    if (memoryMb != 0 && memoryMb < 32)
        return tr("the memory limit must be at least 32 MB (Python needs about 15 MB to start)");
    for (auto it = environment.cbegin(); it != environment.cend(); ++it) {
        const QString &name = it.key();
        if (name.isEmpty() || name.contains(QLatin1Char('=')) || name.contains(QChar(0))
            || it.value().contains(QChar(0)))
            return tr("environment variable name \"%1\" is not valid").arg(name);
    }
    return {};
}

} // namespace pysandbox
