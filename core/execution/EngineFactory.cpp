#include "EngineFactory.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QPromise>
#include <QFuture>

#include <memory>

namespace pysandbox {

namespace {

class FailedRun final : public ExecutionRun
{
public:
    FailedRun(ResultEnvelope envelope, QObject *parent)
        : ExecutionRun(parent)
    {
        finishLater(std::move(envelope));
    }
    void cancel() override {}
};

} // namespace

QString engineChoiceName(EngineChoice choice)
{
    switch (choice) {
    case EngineChoice::Auto:
        return QStringLiteral("auto");
    case EngineChoice::Native:
        return QStringLiteral("native");
    case EngineChoice::Microsandbox:
        return QStringLiteral("microsandbox");
    }
    return {};
}

std::optional<EngineChoice> engineChoiceFromName(const QString &name)
{
    for (EngineChoice choice : {EngineChoice::Auto, EngineChoice::Native, EngineChoice::Microsandbox})
        if (name.compare(engineChoiceName(choice), Qt::CaseInsensitive) == 0)
            return choice;
    return std::nullopt;
}

EngineFactory::EngineFactory(QObject *parent)
    : QObject(parent)
{
}

void EngineFactory::addEngine(Engine *engine)
{
    engine->setParent(this);
    m_engines.append(engine);
}

Engine *EngineFactory::engine(EngineKind kind) const
{
    for (Engine *candidate : m_engines)
        if (candidate->kind() == kind)
            return candidate;
    return nullptr;
}

QFuture<EngineSelection> EngineFactory::select(EngineChoice choice)
{
    QList<Engine *> engines;
    if (choice == EngineChoice::Auto)
        engines = m_engines;
    else if (Engine *wanted = engine(choice == EngineChoice::Native ? EngineKind::Native : EngineKind::Microsandbox))
        engines.append(wanted);

    auto promise = std::make_shared<QPromise<EngineSelection>>();
    QFuture<EngineSelection> future = promise->future();
    promise->start();
    if (engines.isEmpty()) {
        promise->addResult(choose(choice, {}, {}));
        promise->finish();
        return future;
    }
    auto statuses = std::make_shared<QList<EngineStatus>>();
    auto remaining = std::make_shared<int>(static_cast<int>(engines.size()));
    for (Engine *candidate : engines) {
        // A watcher owned by the factory, not then(this, …): that asserts in Qt 6.4 when the
        // factory is destroyed while a probe (a slow server) is still out.
        auto *watcher = new QFutureWatcher<EngineStatus>(this);
        connect(watcher, &QFutureWatcher<EngineStatus>::finished, this, [=] {
            watcher->deleteLater();
            if (watcher->future().resultCount() > 0)
                statuses->append(watcher->result());
            if (--*remaining == 0) {
                promise->addResult(choose(choice, *statuses, engines));
                promise->finish();
            }
        });
        watcher->setFuture(candidate->probe());
    }
    return future;
}

EngineSelection EngineFactory::choose(EngineChoice choice, const QList<EngineStatus> &statuses,
                                      const QList<Engine *> &engines)
{
    EngineSelection selection;
    selection.considered = statuses;
    const EngineStatus *best = nullptr;
    for (const EngineStatus &status : statuses)
        if (status.ready && (!best || status.strength > best->strength))
            best = &status;
    if (best) {
        selection.status = *best;
        for (Engine *candidate : engines)
            if (candidate->kind() == best->kind)
                selection.engine = candidate;
        return selection;
    }
    if (!statuses.isEmpty())
        selection.status = statuses.first();
    if (choice == EngineChoice::Auto) {
        QStringList why;
        for (const EngineStatus &status : statuses)
            why.append(QStringLiteral("%1: %2").arg(engineKindName(status.kind), status.problems.join(QStringLiteral("; "))));
        selection.reason = why.isEmpty() ? tr("no engine is ready")
                                         : tr("no engine is ready (%1)").arg(why.join(QStringLiteral(" | ")));
    } else if (statuses.isEmpty()) {
        selection.reason = tr("the %1 engine is not part of this build").arg(engineChoiceName(choice));
    } else {
        selection.reason = tr("the %1 engine is not ready: %2")
                               .arg(engineChoiceName(choice), statuses.first().problems.join(QStringLiteral("; ")));
    }
    return selection;
}

UnavailableEngine::UnavailableEngine(EngineKind kind, QString reason, QObject *parent)
    : Engine(parent)
    , m_kind(kind)
    , m_reason(std::move(reason))
{
}

QFuture<EngineStatus> UnavailableEngine::probe()
{
    EngineStatus status;
    status.kind = m_kind;
    status.ready = false;
    status.summary = tr("unavailable");
    status.problems = {m_reason};
    return QtFuture::makeReadyFuture(status);
}

ExecutionRun *UnavailableEngine::start(const ExecutionRequest &request, QObject *parent)
{
    ResultEnvelope envelope = ResultEnvelope::engineFailure(name(), m_reason);
    envelope.requestId = request.id;
    return new FailedRun(std::move(envelope), parent);
}

} // namespace pysandbox
