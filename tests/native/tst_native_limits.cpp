// Every limit trips with its own status, and nothing the snippet started survives.
#include "TestSupport.h"

#include <QTest>
#include <QTimer>

#include <unistd.h>

using namespace pysandbox;
using namespace pysandbox::test;

class TestNativeLimits : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { m_engine = std::make_unique<NativeEngine>(nativeConfig()); }
    void wallTimeout();
    void cpuLimit();
    void memoryLimitSingleAllocation();
    void memoryLimitAcrossProcesses();
    void outputLimit();
    void outputLimitThroughChildAndRawFd_data();
    void outputLimitThroughChildAndRawFd();
    void processLimit();
    void fileSizeLimit();
    void cancelInterruptsFirst();
    void cancelKillsWhatIgnoresInterrupts();
    void noProcessOutlivesTheRun_data();
    void noProcessOutlivesTheRun();

private:
    std::unique_ptr<NativeEngine> m_engine;
};

void TestNativeLimits::wallTimeout()
{
    ExecutionOptions options;
    options.wallTimeoutMs = 800;
    options.cpuSeconds = 0;
    const RunCapture run = runCode(*m_engine, QStringLiteral("import time\nprint('started', flush=True)\ntime.sleep(60)"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("timeout"));
    QVERIFY2(run.envelope.usage.wallMs >= 800 && run.envelope.usage.wallMs < 5000, qPrintable(QString::number(run.envelope.usage.wallMs)));
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("started\n")); // output before the stop is kept
    QCOMPARE(verdictText(run.envelope), QStringLiteral("stopped: wall-time limit 0.8 s"));
}

void TestNativeLimits::cpuLimit()
{
    ExecutionOptions options;
    options.cpuSeconds = 1;
    options.wallTimeoutMs = 20'000;
    const RunCapture run = runCode(*m_engine, QStringLiteral("while True:\n    pass\n"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("cpu_limit"));
    QVERIFY2(run.envelope.usage.cpuMs >= 900, qPrintable(QString::number(run.envelope.usage.cpuMs)));
    QVERIFY(run.envelope.usage.wallMs < 10'000);
}

void TestNativeLimits::memoryLimitSingleAllocation()
{
    ExecutionOptions options;
    options.memoryMb = 128;
    const RunCapture run = runCode(*m_engine, QStringLiteral("block = bytearray(512 * 1024 * 1024)\nresult = len(block)"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("memory_limit"));
    QCOMPARE(run.envelope.error->type, QStringLiteral("MemoryError"));
    QVERIFY(verdictText(run.envelope).startsWith(QStringLiteral("stopped: memory limit 128 MB, peak ")));
}

void TestNativeLimits::memoryLimitAcrossProcesses()
{
    // Each process stays under the per-process address-space limit; together they do not.
    ExecutionOptions options;
    options.memoryMb = 200;
    options.wallTimeoutMs = 30'000;
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import os, time\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(120 * 1024 * 1024)\n"
        "        for i in range(0, len(block), 4096): block[i] = 1\n"
        "        time.sleep(20)\n"
        "        os._exit(0)\n"
        "time.sleep(20)\n"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("memory_limit"));
    QVERIFY2(run.envelope.usage.peakMemoryKb > 200 * 1024, qPrintable(QString::number(run.envelope.usage.peakMemoryKb)));
    QVERIFY(run.envelope.usage.wallMs < 15'000);
}

void TestNativeLimits::outputLimit()
{
    ExecutionOptions options;
    options.maxOutputBytes = 1 << 20;
    const RunCapture run = runCode(*m_engine, QStringLiteral("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("output_limit"));
    QCOMPARE(run.envelope.stdoutStream.bytes.size(), 1 << 20);
    QVERIFY(run.envelope.stdoutStream.truncated);
    QCOMPARE(run.joined(OutputStream::Stdout).size(), 1 << 20); // streamed chunks obey the cap too
}

void TestNativeLimits::outputLimitThroughChildAndRawFd_data()
{
    QTest::addColumn<QString>("code");
    QTest::newRow("raw fd") << QStringLiteral("import os\nwhile True:\n    os.write(1, b'z' * 65536)\n");
    QTest::newRow("child process") << QStringLiteral("import subprocess\nsubprocess.run(['/usr/bin/yes', 'flood'])\n");
    QTest::newRow("stderr") << QStringLiteral("import os\nwhile True:\n    os.write(2, b'e' * 4096)\n");
}

void TestNativeLimits::outputLimitThroughChildAndRawFd()
{
    QFETCH(QString, code);
    ExecutionOptions options;
    options.maxOutputBytes = 256 * 1024;
    const RunCapture run = runCode(*m_engine, code, {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("output_limit"));
    QCOMPARE(run.envelope.stdoutStream.bytes.size() + run.envelope.stderrStream.bytes.size(), 256 * 1024);
}

void TestNativeLimits::processLimit()
{
    ExecutionOptions options;
    options.maxProcesses = 8;
    options.wallTimeoutMs = 30'000;
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import os, time\n"
        "for _ in range(40):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(10)\n"
        "        os._exit(0)\n"
        "time.sleep(10)\n"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("process_limit"));
    QVERIFY(run.envelope.usage.wallMs < 8000);
}

void TestNativeLimits::fileSizeLimit()
{
    ExecutionOptions options;
    options.maxFileSizeBytes = 1 << 20;
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "with open('big.bin', 'wb') as f:\n    f.write(b'0' * (4 << 20))\n"), {}, options);
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("file_size_limit"));
}

void TestNativeLimits::cancelInterruptsFirst()
{
    ExecutionRequest request;
    request.code = QStringLiteral("import time\ntry:\n    time.sleep(30)\nfinally:\n    print('cleaned up')\n");
    const RunCapture run = runAndWait(*m_engine, request, 30'000,
                                      [](ExecutionRun *live) { QTimer::singleShot(400, live, &ExecutionRun::cancel); });
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("cancelled"));
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("cleaned up\n")); // the interrupt ran `finally`
    QVERIFY(run.envelope.usage.wallMs < 3000);
}

void TestNativeLimits::cancelKillsWhatIgnoresInterrupts()
{
    ExecutionRequest request;
    request.code = QStringLiteral("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n");
    const RunCapture run = runAndWait(*m_engine, request, 30'000,
                                      [](ExecutionRun *live) { QTimer::singleShot(300, live, &ExecutionRun::cancel); });
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("cancelled"));
    QVERIFY(run.envelope.usage.wallMs < 3000);
}

void TestNativeLimits::noProcessOutlivesTheRun_data()
{
    QTest::addColumn<QString>("spawn");
    QTest::addColumn<QString>("ending");
    const QString child = QStringLiteral("subprocess.Popen(['/bin/sh', '-c', 'sleep 30; echo MARKER'])\n");
    const QString session = QStringLiteral("subprocess.Popen(['/bin/sh', '-c', 'sleep 30; echo MARKER'], start_new_session=True)\n");
    const QString daemon = QStringLiteral(
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 30; echo MARKER'])\n    os._exit(0)\n");
    for (const auto &[name, spawn] : {std::pair{"child", child}, std::pair{"new session", session}, std::pair{"double-fork daemon", daemon}}) {
        QTest::newRow(qPrintable(QStringLiteral("%1, finishes").arg(QLatin1String(name)))) << spawn << QStringLiteral("result = 1\n");
        QTest::newRow(qPrintable(QStringLiteral("%1, timeout").arg(QLatin1String(name)))) << spawn << QStringLiteral("time.sleep(60)\n");
        QTest::newRow(qPrintable(QStringLiteral("%1, cancel").arg(QLatin1String(name)))) << spawn << QStringLiteral("CANCEL\n");
        QTest::newRow(qPrintable(QStringLiteral("%1, crash").arg(QLatin1String(name)))) << spawn << QStringLiteral("os.kill(os.getpid(), 9)\n");
    }
}

void TestNativeLimits::noProcessOutlivesTheRun()
{
    QFETCH(QString, spawn);
    QFETCH(QString, ending);
    const QString marker = uniqueToken(QStringLiteral("pysandbox_marker_"));
    const bool cancel = ending == QLatin1String("CANCEL\n");
    ExecutionRequest request;
    request.code = QStringLiteral("import os, subprocess, time\n") + QString(spawn).replace(QStringLiteral("MARKER"), marker)
                 + QStringLiteral("time.sleep(0.3)\n") + (cancel ? QStringLiteral("time.sleep(60)\n") : ending);
    request.options.wallTimeoutMs = 2000;
    const RunCapture run = runAndWait(*m_engine, request, 30'000, [cancel](ExecutionRun *live) {
        if (cancel)
            QTimer::singleShot(700, live, &ExecutionRun::cancel);
    });
    QVERIFY(!run.timedOut);
    QVERIFY2(run.envelope.status != RunStatus::EngineError, qPrintable(run.envelope.statusDetail));
    QTRY_VERIFY_WITH_TIMEOUT(processesWithMarker(marker.toUtf8()).isEmpty(), 3000);
}

QTEST_GUILESS_MAIN(TestNativeLimits)
#include "tst_native_limits.moc"
