#include "Engine.h"

#include <QTimer>

namespace pysandbox {

QString engineKindName(EngineKind kind)
{
    return kind == EngineKind::Native ? QStringLiteral("native") : QStringLiteral("microsandbox");
}

void ExecutionRun::finish(ResultEnvelope envelope)
{
    if (m_finished)
        return;
    m_finished = true;
    m_envelope = std::move(envelope);
    Q_EMIT finished(m_envelope);
}

void ExecutionRun::finishLater(ResultEnvelope envelope)
{
    QTimer::singleShot(0, this, [this, envelope = std::move(envelope)]() mutable { finish(std::move(envelope)); });
}

} // namespace pysandbox
