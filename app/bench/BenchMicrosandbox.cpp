#include "BenchMicrosandbox.h"

#include "BenchRuns.h"

#include "microsandbox/MicrosandboxEngine.h"
#include "microsandbox/MsbReplCode.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>

#include <cstdio>

namespace pysandbox::bench {

namespace {

// The baseline: the exact body a trivial run sends, POSTed with nothing around it (no queue,
// no sandbox check, no parsing): the server's (here: the emulator's) own time plus HTTP.
double timeRawCall(QNetworkAccessManager &network, const QNetworkRequest &request, const QByteArray &body, Failures *failures,
                   QByteArray *answerOut = nullptr)
{
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = network.post(request, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const double ms = clock.nsecsElapsed() / 1e6;
    const QByteArray answer = reply->readAll();
    if (reply->error() != QNetworkReply::NoError || !answer.contains("pysandbox-msb:"))
        failures->add(QStringLiteral("raw repl.run: %1").arg(reply->errorString()));
    if (answerOut)
        *answerOut = answer;
    reply->deleteLater();
    return ms;
}

} // namespace

int benchMicrosandbox(const QUrl &server, const QString &apiKey, int runs)
{
    MicrosandboxConfig config;
    config.server = server;
    config.credentials.apiKey = apiKey;
    config.profile = QStringLiteral("bench");
    MicrosandboxEngine engine(config);
    Failures failures;
    const ExecutionRequest trivial = snippet(QStringLiteral("result = 1"));
    // The first run boots the VM (or finds it warm); only warm runs are measured.
    if (runOnce(engine, trivial).envelope.status != RunStatus::Ok) {
        std::fprintf(stderr, "pysandbox-bench: the microsandbox engine cannot run at %s\n", qPrintable(server.toString()));
        return 1;
    }
    msb::RpcRequestBuilder builder;
    QString error;
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    const QNetworkRequest request = msb::rpcNetworkRequest(server, apiKey);

    // The client's own work per run, without the network wait: the line and the body built,
    // the answer classified and the report decoded into an envelope.
    // Every call has a nonce of its own (the wrapper refuses one it has seen), so each round
    // builds its raw call as the engine would, timed apart from the HTTP round trip.
    QByteArray answer;
    QList<double> raw, viaEngine, build, parse;
    qsizetype bodyBytes = 0;
    for (int round = 0; round < runs; ++round) {
        QElapsedTimer clock;
        clock.start();
        const msb::ReplCall call = msb::buildReplCall(trivial);
        const auto body = builder.replRun(config.ns, config.effectiveSandboxName(), call.code, call.portalTimeoutSeconds, &error);
        build.append(clock.nsecsElapsed() / 1e6);
        if (!body) {
            failures.add(QStringLiteral("client work: %1").arg(error));
            continue;
        }
        bodyBytes = body->body.size();
        raw.append(timeRawCall(network, request, body->body, &failures, &answer));
        clock.restart();
        const msb::RpcResponse response = msb::parseResponse(200, QByteArrayLiteral("application/json"), answer, body->id);
        const msb::ReplOutcome outcome = msb::parseReplOutput(response.result, call);
        parse.append(clock.nsecsElapsed() / 1e6);
        if (outcome.envelope.status != RunStatus::Ok)
            failures.add(QStringLiteral("client work: %1").arg(outcome.envelope.statusDetail));
        const TimedRun run = runOnce(engine, trivial);
        checkRun(QStringLiteral("engine, trivial, warm VM"), run.envelope, QStringLiteral("warm"), &failures);
        viaEngine.append(run.ms);
    }
    std::printf("\nmicrosandbox client at %s, %d interleaved rounds (line of %lld bytes)\n\n", qPrintable(server.toString()),
                runs, static_cast<long long>(bodyBytes));
    std::printf("| case | median ms | p95 ms |\n|---|---:|---:|\n");
    std::printf("| server alone: the same kind of repl.run POSTed raw | %.2f | %.2f |\n", median(raw), percentile(raw, 95));
    std::printf("| engine: trivial run on the warm VM | %.2f | %.2f |\n", median(viaEngine), percentile(viaEngine, 95));
    std::printf("| client work: build the line and the body | %.3f | %.3f |\n", median(build), percentile(build, 95));
    std::printf("| client work: classify the answer, decode the report | %.3f | %.3f |\n", median(parse), percentile(parse, 95));
    const double work = median(build) + median(parse);
    const double difference = median(viaEngine) - median(raw);
    std::printf("\nclient overhead per warm run: %.2f ms of its own work (build + decode medians); engine minus raw: %+.2f ms "
                "(the server's own time varies more than that) — target <= 3 ms: %s\n",
                work, difference, work <= 3.0 && difference <= 3.0 ? "PASS" : "MISS");
    if (failures.count > 0) {
        std::printf("%d runs failed, e.g. %s\n", failures.count, qPrintable(failures.examples.join(QStringLiteral("; "))));
        return 1;
    }
    return 0;
}

} // namespace pysandbox::bench
