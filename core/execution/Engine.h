#pragma once

#include "ExecutionOptions.h"
#include "ResultEnvelope.h"

#include <QFuture>
#include <QObject>

namespace pysandbox {

enum class EngineKind { Native, Microsandbox };
enum class OutputStream { Stdout, Stderr };

QString engineKindName(EngineKind kind);

// What an engine can do right now, found without blocking the caller.
struct EngineStatus
{
    EngineKind kind = EngineKind::Native;
    bool ready = false;
    QString summary;            // one line: "ready", "needs setup", "server down", …
    QStringList problems;       // each: what is wrong and what to do about it
    QStringList notes;          // caveats that do not stop it (layers this version does not use, …)
    QStringList isolation;      // layers a run would get
    QString securityLevel;
    QString caveat;             // what a security badge must say next to the level, if anything
    int strength = 0;           // higher is stronger isolation; Auto picks the largest ready one
};

// One run in progress. Emits output chunks as they arrive and exactly one finished().
// finished() is always delivered asynchronously, so callers may connect after start().
class ExecutionRun : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Ask the run to stop: interrupt first, then kill. The run still finishes with an
    // envelope (status "cancelled" unless it had already ended for another reason).
    virtual void cancel() = 0;
    bool isFinished() const { return m_finished; }
    const ResultEnvelope &envelope() const { return m_envelope; }

Q_SIGNALS:
    void output(pysandbox::OutputStream stream, const QByteArray &chunk);
    void finished(const pysandbox::ResultEnvelope &envelope);

protected:
    // Subclasses call this once; later calls are ignored.
    void finish(ResultEnvelope envelope);
    // An envelope that is delivered on the next event-loop turn (start failures).
    void finishLater(ResultEnvelope envelope);

private:
    bool m_finished = false;
    ResultEnvelope m_envelope;
};

class Engine : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual EngineKind kind() const = 0;
    virtual QString name() const = 0;
    // Checks readiness on a worker thread; never blocks the caller.
    virtual QFuture<EngineStatus> probe() = 0;
    // Starts a run. The returned object belongs to `parent` (or the caller when null).
    virtual ExecutionRun *start(const ExecutionRequest &request, QObject *parent) = 0;
};

} // namespace pysandbox

Q_DECLARE_METATYPE(pysandbox::OutputStream)
Q_DECLARE_METATYPE(pysandbox::ResultEnvelope)
