#pragma once

#include "execution/Engine.h"
#include "native/NativeEngine.h"

#include <QList>
#include <QPair>

#include <functional>

namespace pysandbox::test {

// The interpreter the native tests run (Debian's, which has numpy/pandas/matplotlib).
QString testPython();
bool pythonHasModule(const QString &module);
QString cliPath();

struct RunCapture
{
    ResultEnvelope envelope;
    QList<QPair<OutputStream, QByteArray>> chunks;
    bool timedOut = false;
    QByteArray joined(OutputStream stream) const;
};

// Starts the run and spins the event loop until it finishes (or the test timeout).
// `whileRunning` is called once, right after start, with the live run.
RunCapture runAndWait(Engine &engine, const ExecutionRequest &request, int testTimeoutMs = 60'000,
                      const std::function<void(ExecutionRun *)> &whileRunning = {});
RunCapture runCode(Engine &engine, const QString &code, const QJsonObject &inputs = {},
                   const ExecutionOptions &options = {});

NativeEngineConfig nativeConfig();
bool testsRunSandboxed();
// PYSANDBOX_TEST_WARM=on: the suite runs through the warm pool.
bool testsRunWarm();
// The envelope's security level of a fully sandboxed run in this suite's mode.
QString expectedSecurityLevel();
// Starts the engine's warm pool and spins the event loop until it is ready or failed.
WarmPool *waitForWarmPool(NativeEngine &engine, int timeoutMs = 90'000);

// Live (non-zombie) processes whose command line contains `marker`.
QList<qint64> processesWithMarker(const QByteArray &marker);
int openFileDescriptorCount();
// A name that no other test run uses, for canaries and markers.
QString uniqueToken(const QString &prefix);

} // namespace pysandbox::test
