#pragma once

#include "execution/EngineFactory.h"

namespace pysandbox {

// Everything pysandbox-cli prints, in one place.
void writeError(const QString &message);
void writeStreamChunk(OutputStream stream, const QByteArray &chunk, bool toTerminal);
// One compact line, flushed; false when standard output is gone (EPIPE).
bool writeEnvelopeJson(const ResultEnvelope &envelope);
void writeHumanSummary(const ResultEnvelope &envelope, bool toTerminal);
void writeDoctorReport(const EngineSelection &selection, bool json);

} // namespace pysandbox
