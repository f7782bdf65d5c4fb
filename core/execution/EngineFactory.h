#pragma once

#include "Engine.h"

#include <QFuture>
#include <QList>
#include <QPointer>

#include <optional>

namespace pysandbox {

enum class EngineChoice { Auto, Native, Microsandbox };

QString engineChoiceName(EngineChoice choice);
std::optional<EngineChoice> engineChoiceFromName(const QString &name);

struct EngineSelection
{
    QPointer<Engine> engine;      // null when nothing suitable is ready
    EngineStatus status;          // of the chosen engine, or of the one asked for
    QList<EngineStatus> considered; // every engine probed, for the UI and `doctor`
    QString reason;               // why nothing was chosen
};

// Owns the engines and picks one. Auto picks the strongest engine that is ready; the
// choice is made before a run and never revised after it, so a failed snippet is never
// re-run on a weaker engine.
class EngineFactory : public QObject
{
    Q_OBJECT
public:
    explicit EngineFactory(QObject *parent = nullptr);

    // Takes ownership.
    void addEngine(Engine *engine);
    Engine *engine(EngineKind kind) const;
    QList<Engine *> engines() const { return m_engines; }

    // Probes without blocking; the future resolves in this object's thread.
    QFuture<EngineSelection> select(EngineChoice choice);

    // Picks from finished probes (pure; used by select and by tests).
    static EngineSelection choose(EngineChoice choice, const QList<EngineStatus> &statuses,
                                  const QList<Engine *> &engines);

private:
    QList<Engine *> m_engines;
};

// Stands in for an engine this build cannot offer, with the reason in every answer.
class UnavailableEngine final : public Engine
{
    Q_OBJECT
public:
    UnavailableEngine(EngineKind kind, QString reason, QObject *parent = nullptr);

    EngineKind kind() const override { return m_kind; }
    QString name() const override { return engineKindName(m_kind); }
    QFuture<EngineStatus> probe() override;
    ExecutionRun *start(const ExecutionRequest &request, QObject *parent) override;

private:
    EngineKind m_kind;
    QString m_reason;
};

} // namespace pysandbox
