// The request half of MsbRpc.h: method names per version, parameter checks, bodies.
#include "MsbRpc.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pysandbox::msb {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::msb", text);
}

bool isAsciiAlnum(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
}

// start and stop refuse "*" with this message before they look at the name (§2.4).
QString namespaceForSandbox(const QString &ns)
{
    if (ns == QLatin1String("*"))
        return QStringLiteral("Wildcard namespace (*) is not valid for sandbox creation");
    return nameProblem(ns, NameKind::Namespace);
}

QString firstProblem(std::initializer_list<QString> problems)
{
    for (const QString &problem : problems)
        if (!problem.isEmpty())
            return problem;
    return {};
}

} // namespace

bool isSupportedServerVersion(const QVersionNumber &version)
{
    return version.majorVersion() == 0 && version.minorVersion() == 2 && version.segmentCount() >= 2;
}

QString methodName(Method method, const QVersionNumber &serverVersion)
{
    // Renamed in v0.2.2 (upstream commit 06f8727); the other three never changed.
    const bool before022 = serverVersion < QVersionNumber(0, 2, 2);
    switch (method) {
    case Method::Start: return QStringLiteral("sandbox.start");
    case Method::Stop: return QStringLiteral("sandbox.stop");
    case Method::Metrics: return before022 ? QStringLiteral("sandbox.getStatus") : QStringLiteral("sandbox.metrics.get");
    case Method::ReplRun: return QStringLiteral("sandbox.repl.run");
    case Method::CommandRun: return before022 ? QStringLiteral("sandbox.command.execute") : QStringLiteral("sandbox.command.run");
    }
    return {};
}

QString nameProblem(const QString &name, NameKind kind)
{
    // The server's wording, with "Sandbox name" or "Namespace" in front (§2.4). Byte length:
    // only ASCII passes the character rule, so characters and bytes agree where it matters.
    const QString what = kind == NameKind::Sandbox ? QStringLiteral("Sandbox name") : QStringLiteral("Namespace");
    if (name.isEmpty())
        return QStringLiteral("%1 cannot be empty").arg(what);
    if (name.toUtf8().size() > 63)
        return QStringLiteral("%1 cannot exceed 63 characters").arg(what);
    for (const QChar c : name)
        if (!isAsciiAlnum(c) && c != u'-' && c != u'_')
            return QStringLiteral("%1 can only contain alphanumeric characters, hyphens, or underscores").arg(what);
    if (!isAsciiAlnum(name.front()))
        return QStringLiteral("%1 must start with an alphanumeric character").arg(what);
    return {};
}

RpcRequestBuilder::RpcRequestBuilder(QVersionNumber serverVersion)
    : m_version(std::move(serverVersion))
{
}

std::optional<RpcRequest> RpcRequestBuilder::make(Method method, const QJsonObject &params, QString *error)
{
    RpcRequest request;
    request.method = method;
    request.methodName = methodName(method, m_version);
    request.id = m_nextId;
    // A number, not the SDKs' uuid string: parseResponse() compares it exactly, and Qt keeps
    // integral JSON numbers exact. Keys come out sorted; serde does not care about order.
    const QJsonObject envelope{
        {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
        {QStringLiteral("method"), request.methodName},
        {QStringLiteral("params"), params},
        {QStringLiteral("id"), qint64(request.id)},
    };
    request.body = QJsonDocument(envelope).toJson(QJsonDocument::Compact);
    if (request.body.size() > kMaxRequestBodyBytes) {
        *error = tr("The request is %1 KiB, more than the %2 KiB the microsandbox server accepts: make the code or "
                    "the inputs smaller.").arg(request.body.size() / 1024).arg(kMaxRequestBodyBytes / 1024);
        return std::nullopt;
    }
    ++m_nextId;
    return request;
}

std::optional<RpcRequest> RpcRequestBuilder::start(const QString &ns, const QString &sandbox, const SandboxConfig &config,
                                                   QString *error)
{
    QString problem = firstProblem({namespaceForSandbox(ns), nameProblem(sandbox, NameKind::Sandbox)});
    if (problem.isEmpty() && config.image.isEmpty() && (config.memoryMib || config.cpus || !config.envs.isEmpty() || !config.workdir.isEmpty()))
        problem = tr("A sandbox configuration without an image is ignored by the server: name the image too.");
    if (problem.isEmpty() && (config.memoryMib < 0 || config.cpus < 0 || config.cpus > 255))
        problem = tr("Memory must be a positive number of MiB and the CPU count between 1 and 255.");
    for (const QString &env : config.envs)
        if (problem.isEmpty() && env.indexOf(u'=') <= 0) // the server stores it first and only fails later, for good (§6)
            problem = tr("The environment entry \"%1\" is not KEY=VALUE.").arg(env);
    if (!problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    QJsonObject params{{QStringLiteral("namespace"), ns}, {QStringLiteral("sandbox"), sandbox}};
    // Without an image the config is left out: the server then restarts the stored entry.
    if (!config.image.isEmpty()) {
        QJsonObject json{{QStringLiteral("image"), config.image}};
        if (config.memoryMib > 0)
            json.insert(QStringLiteral("memory"), config.memoryMib);
        if (config.cpus > 0)
            json.insert(QStringLiteral("cpus"), config.cpus);
        if (!config.envs.isEmpty())
            json.insert(QStringLiteral("envs"), QJsonArray::fromStringList(config.envs));
        if (!config.workdir.isEmpty())
            json.insert(QStringLiteral("workdir"), config.workdir);
        params.insert(QStringLiteral("config"), json);
    }
    return make(Method::Start, params, error);
}

std::optional<RpcRequest> RpcRequestBuilder::stop(const QString &ns, const QString &sandbox, QString *error)
{
    if (const QString problem = firstProblem({namespaceForSandbox(ns), nameProblem(sandbox, NameKind::Sandbox)});
        !problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    return make(Method::Stop, {{QStringLiteral("namespace"), ns}, {QStringLiteral("sandbox"), sandbox}}, error);
}

std::optional<RpcRequest> RpcRequestBuilder::metrics(const QString &ns, const QString &sandbox, QString *error)
{
    const QString problem = firstProblem({ns == QLatin1String("*") ? QString() : nameProblem(ns, NameKind::Namespace),
                                          sandbox.isEmpty() ? QString() : nameProblem(sandbox, NameKind::Sandbox)});
    if (!problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    QJsonObject params{{QStringLiteral("namespace"), ns}};
    if (!sandbox.isEmpty())
        params.insert(QStringLiteral("sandbox"), sandbox);
    return make(Method::Metrics, params, error);
}

std::optional<RpcRequest> RpcRequestBuilder::replRun(const QString &ns, const QString &sandbox, const QString &code,
                                                     int timeoutSeconds, QString *error)
{
    QString problem = firstProblem({namespaceForSandbox(ns), nameProblem(sandbox, NameKind::Sandbox)});
    if (problem.isEmpty() && timeoutSeconds < 1)
        problem = tr("A REPL call needs a timeout of at least one second: without one a stuck call never returns.");
    if (!problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    // The portal wants an integer timeout: 30.0 fails its deserialisation (→ 500).
    return make(Method::ReplRun,
                {{QStringLiteral("namespace"), ns}, {QStringLiteral("sandbox"), sandbox},
                 {QStringLiteral("language"), QStringLiteral("python")}, {QStringLiteral("code"), code},
                 {QStringLiteral("timeout"), timeoutSeconds}},
                error);
}

std::optional<RpcRequest> RpcRequestBuilder::commandRun(const QString &ns, const QString &sandbox, const QString &command,
                                                        const QStringList &args, int timeoutSeconds, QString *error)
{
    QString problem = firstProblem({namespaceForSandbox(ns), nameProblem(sandbox, NameKind::Sandbox)});
    if (problem.isEmpty() && command.isEmpty())
        problem = tr("A command needs a program name (there is no shell: use \"sh\" with \"-c\").");
    if (problem.isEmpty() && timeoutSeconds < 0)
        problem = tr("A command's timeout cannot be negative.");
    if (!problem.isEmpty()) {
        *error = problem;
        return std::nullopt;
    }
    QJsonObject params{{QStringLiteral("namespace"), ns}, {QStringLiteral("sandbox"), sandbox},
                       {QStringLiteral("command"), command}, {QStringLiteral("args"), QJsonArray::fromStringList(args)}};
    if (timeoutSeconds > 0)
        params.insert(QStringLiteral("timeout"), timeoutSeconds);
    return make(Method::CommandRun, params, error);
}

QNetworkRequest rpcNetworkRequest(const QUrl &server, const QString &apiKey)
{
    QUrl url = server;
    url.setPath(QLatin1String(kRpcPath)); // not "/api/v1/rpc/": whether that matches is unknown (§2.1)
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    if (!apiKey.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), "Bearer " + apiKey.toUtf8());
    return request;
}

} // namespace pysandbox::msb
