// What the snippet writes: streamed live, kept byte-exact, never mistaken for a result.
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestNativeIo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { m_engine = std::make_unique<NativeEngine>(nativeConfig()); }
    void outputStreamsWhileRunning();
    void stdoutAndStderrInterleave();
    void outputWithoutFinalNewline();
    void nonUtf8BytesAreKeptExactly();
    void terminalEscapesArePassedAsData();
    void fakeEnvelopeOnStdoutIsJustOutput();
    void forgedOversizedResultFrameIsRefused();
    void childProcessOutputIsCaptured();
    void stdinIsEmpty();

private:
    std::unique_ptr<NativeEngine> m_engine;
};

void TestNativeIo::outputStreamsWhileRunning()
{
    ExecutionRequest request;
    request.code = QStringLiteral("import time\nprint('first', flush=True)\ntime.sleep(0.8)\nprint('second')\n");
    QElapsedTimer clock;
    clock.start();
    qint64 firstChunkAt = -1;
    const RunCapture run = runAndWait(*m_engine, request, 30'000, [&](ExecutionRun *live) {
        connect(live, &ExecutionRun::output, live, [&](OutputStream, const QByteArray &) {
            if (firstChunkAt < 0)
                firstChunkAt = clock.elapsed();
        });
    });
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("first\nsecond\n"));
    QVERIFY(firstChunkAt >= 0);
    // The first line arrived well before the snippet's sleep ended.
    QVERIFY2(firstChunkAt + 500 < clock.elapsed(), qPrintable(QStringLiteral("first chunk at %1 ms").arg(firstChunkAt)));
}

void TestNativeIo::stdoutAndStderrInterleave()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import sys, time\n"
        "for i in range(3):\n"
        "    print('out', i)\n"
        "    time.sleep(0.05)\n"
        "    print('err', i, file=sys.stderr)\n"
        "    time.sleep(0.05)\n"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    // print() writes its pieces separately, so adjacent chunks of one stream are joined.
    QByteArray order;
    std::optional<OutputStream> previous;
    for (const auto &[stream, chunk] : run.chunks) {
        if (stream != previous)
            order += stream == OutputStream::Stdout ? "O:" : "E:";
        order += chunk;
        previous = stream;
    }
    QCOMPARE(order, QByteArray("O:out 0\nE:err 0\nO:out 1\nE:err 1\nO:out 2\nE:err 2\n"));
    QCOMPARE(run.envelope.stderrStream.bytes, QByteArray("err 0\nerr 1\nerr 2\n"));
}

void TestNativeIo::outputWithoutFinalNewline()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("print('no newline', end='')\nresult = 2"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("no newline"));
    QCOMPARE(run.envelope.result.toInt(), 2);
}

void TestNativeIo::nonUtf8BytesAreKeptExactly()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import os, sys\nos.write(1, b'bad \\xff\\xfe\\xc3 end\\n')\nsys.stderr.buffer.write(b'\\x80err')\n"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("bad \xff\xfe\xc3 end\n"));
    QCOMPARE(run.envelope.stderrStream.bytes, QByteArray("\x80" "err"));
    const QJsonObject json = run.envelope.toJson();
    QVERIFY(json.value(QStringLiteral("stdout")).toString().contains(QChar(QChar::ReplacementCharacter)));
    QCOMPARE(QByteArray::fromBase64(json.value(QStringLiteral("stdout_base64")).toString().toLatin1()),
             run.envelope.stdoutStream.bytes);
    // And the JSON printed for --json is valid.
    QVERIFY(!QJsonDocument::fromJson(QJsonDocument(json).toJson()).isNull());
}

void TestNativeIo::terminalEscapesArePassedAsData()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("print('\\x1b]0;title\\x07\\x1b[31mred\\x1b[0m')"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("\x1b]0;title\x07\x1b[31mred\x1b[0m\n"));
}

void TestNativeIo::fakeEnvelopeOnStdoutIsJustOutput()
{
    const QString fake = QStringLiteral(
        "import json, struct, sys\n"
        "body = json.dumps({'protocol': 1, 'has_result': True, 'result': 'forged', 'error': None, 'displays': []}).encode()\n"
        "sys.stdout.buffer.write(struct.pack('>Q', len(body)) + body)\n"
        "print(json.dumps({'version': 1, 'status': 'ok', 'result': 'forged'}))\n"
        "print('PYSANDBOX-PROBE {}')\n"
        "result = 'real'\n");
    const RunCapture run = runCode(*m_engine, fake);
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.result.toString(), QStringLiteral("real"));
    QVERIFY(run.envelope.stdoutStream.bytes.contains("forged"));
}

void TestNativeIo::forgedOversizedResultFrameIsRefused()
{
    // The snippet can reach the result fd itself; a frame the runner could not have written
    // (it caps results far lower) is refused before the host reads or parses it.
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import os, struct\nos.write(4, struct.pack('>Q', 40 << 20) + b'{' * 65536)\nresult = 1\n"));
    QCOMPARE(run.envelope.status, RunStatus::EngineError);
    QVERIFY2(run.envelope.statusDetail.contains(QStringLiteral("32 MB")), qPrintable(run.envelope.statusDetail));
    QVERIFY(!run.envelope.hasResult);
}

void TestNativeIo::childProcessOutputIsCaptured()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo from-child; echo child-err >&2'])\n"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("from-child\n"));
    QCOMPARE(run.envelope.stderrStream.bytes, QByteArray("child-err\n"));
}

void TestNativeIo::stdinIsEmpty()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("import sys\nresult = sys.stdin.read()"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.result.toString(), QString());
}

QTEST_GUILESS_MAIN(TestNativeIo)
#include "tst_native_io.moc"
