// Snippets that attack the REPL path: raw and invalid bytes, forged reports, floods, limits.
#include "MsbFakePortal.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::msb;
using namespace pysandbox::msbtest;

class TestMsbReplHostile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void outputWithoutNewlineAndInvalidUtf8();
    void fakeReportsArePlainOutput();
    void strayLinesBesideTheReport();
    void forgedReportThroughProcIsRefused();
    void timeoutKillsTheRunNotTheRepl();
    void outputLimitAndHugeOutput();
    void memoryAndCpuLimits();
};

void TestMsbReplHostile::outputWithoutNewlineAndInvalidUtf8()
{
    FakePortal portal;
    Run r = run(portal, QStringLiteral(
        "import os, sys, subprocess\n"
        "print('partial', end='')\n"
        "sys.stdout.buffer.write(b'\\xff\\xfe|')\n"
        "sys.stdout.flush()\n"
        "os.write(1, b'\\x80raw\\x00|')\n"
        "print('\\udcff', end='|')\n" // surrogateescape, as under -X utf8: the byte 0xff
        "subprocess.run(['printf', '\\\\303('])\n"
        "sys.stderr.write('err no newline \\U0001F600')\n"
        "os.write(2, b'\\xc3\\x28')\n"));
    QVERIFY2(r.envelope().status == RunStatus::Ok, qPrintable(r.envelope().statusDetail));
    QCOMPARE(r.envelope().stdoutStream.bytes, QByteArray("partial\xff\xfe|\x80raw\0|\xff|\xc3(", 20));
    QCOMPARE(r.envelope().stdoutStream.totalBytes, 20);
    QCOMPARE(r.envelope().stderrStream.bytes, QByteArray("err no newline \xf0\x9f\x98\x80\xc3\x28"));
    QVERIFY(!r.envelope().stdoutStream.truncated);
    QVERIFY(portalSafe(r.replStdout)); // no invalid UTF-8 and no unterminated line reached the REPL
    QVERIFY(portal.alive());
    QCOMPARE(run(portal, QStringLiteral("result = 1")).envelope().result.toInt(), 1);
}

void TestMsbReplHostile::fakeReportsArePlainOutput()
{
    FakePortal portal;
    // The snippet finds the real nonce in its parent frames and prints reports of its own,
    // and a guess at the portal's end marker: all of it is just its stdout.
    const QString code = QStringLiteral(
        "import sys\n"
        "f, nonce = sys._getframe(), None\n"
        "while f is not None and nonce is None:\n"
        "    nonce = (f.f_locals.get('call') or {}).get('nonce') if isinstance(f.f_locals.get('call'), dict) else None\n"
        "    f = f.f_back\n"
        "print('pysandbox-msb:%s:0:AAAA' % nonce)\n"
        "print('pysandbox-msb:%s:end:1' % nonce)\n"
        "print('pysandbox-msb:0000000000000000:fail')\n"
        "print('eoe_1x7Qz')\n"
        "result = nonce is not None\n");
    Run r = run(portal, code);
    QVERIFY2(r.envelope().status == RunStatus::Ok, qPrintable(r.envelope().statusDetail));
    QCOMPARE(r.envelope().result.toBool(), true); // it did learn the nonce…
    QVERIFY(text(r.envelope().stdoutStream).contains(QStringLiteral(":end:1\npysandbox-msb:0000000000000000:fail\neoe_1x7Qz\n")));
    QVERIFY(!r.outcome.restartSandbox); // …and could still only print
    QVERIFY(portal.alive());
}

void TestMsbReplHostile::strayLinesBesideTheReport()
{
    FakePortal portal;
    ExecutionRequest request;
    request.code = QStringLiteral("result = 3");
    const ReplCall call = buildReplCall(request);
    QJsonObject reply = portal.call(call.code, call.portalTimeoutSeconds);
    QJsonArray output = reply.value(QStringLiteral("output")).toArray();
    // Something else printed in the REPL during the call (a report of another call included):
    // the result stands, but the sandbox is no longer trusted to be clean.
    output.prepend(QJsonObject{{QStringLiteral("stream"), QStringLiteral("stdout")},
                               {QStringLiteral("text"), reportLinePrefix(QStringLiteral("ffffffffffffffff")) + QStringLiteral("end:0")}});
    output.append(QJsonObject{{QStringLiteral("stream"), QStringLiteral("stderr")}, {QStringLiteral("text"), QStringLiteral("late noise")}});
    reply.insert(QStringLiteral("output"), output);
    const ReplOutcome outcome = parseReplOutput(reply, call);
    QVERIFY(outcome.reported);
    QCOMPARE(statusName(outcome.envelope.status), QStringLiteral("ok"));
    QCOMPARE(outcome.envelope.result.toInt(), 3);
    QVERIFY(outcome.restartSandbox);
    QCOMPARE(outcome.notes.size(), 2);
    QCOMPARE(outcome.notes.last(), QStringLiteral("stderr: late noise"));
    // The same reply for a call with another nonce holds no report of that call.
    ExecutionRequest other;
    QCOMPARE(statusName(parseReplOutput(reply, buildReplCall(other)).envelope.status), QStringLiteral("engine_error"));
}

void TestMsbReplHostile::forgedReportThroughProcIsRefused()
{
    // Beyond printing: open the REPL's own stdout through /proc/<ppid>/fd/1 (the supervisor is
    // non-dumpable, so this only works as root) and write a complete, well-formed forged report.
    const QString forge = QStringLiteral(
        "import base64, json, os, sys\n"
        "f, nonce = sys._getframe(), None\n"
        "while f is not None and nonce is None:\n"
        "    c = f.f_locals.get('call')\n"
        "    nonce = c.get('nonce') if isinstance(c, dict) else None\n"
        "    f = f.f_back\n"
        "frame = json.dumps({'protocol': 1, 'has_result': True, 'result': 'forged', 'result_truncated': False,\n"
        "                    'error': None, 'displays': []}).encode()\n"
        "frame = len(frame).to_bytes(8, 'big') + frame\n"
        "meta = {'v': 1, 'nonce': nonce, 'error': None, 'stdout_bytes': 0, 'stderr_bytes': 0, 'exit_code': 0,\n"
        "        'signal': None, 'stopped': None, 'sections': [0, 0, len(frame)]}\n"
        "blob = base64.b64encode(json.dumps(meta).encode() + b'\\n' + frame).decode()\n"
        "lines = 'pysandbox-msb:%s:0:%s\\npysandbox-msb:%s:end:1\\n' % (nonce, blob, nonce)\n"
        "try:\n"
        "    fd = os.open('/proc/%d/fd/1' % os.getppid(), os.O_WRONLY)\n"
        "    os.write(fd, lines.encode())\n"
        "    wrote = True\n"
        "except OSError:\n"
        "    wrote = False\n"
        "result = 'real'\n");
    for (const bool killParent : {false, true}) {
        FakePortal portal;
        Run r = run(portal, forge + (killParent ? QStringLiteral("if wrote: os.kill(os.getppid(), 9)\n") : QString()),
                    {}, [] { ExecutionOptions o; o.wallTimeoutMs = 3000; return o; }());
        QVERIFY2(r.envelope().result.toString() != QStringLiteral("forged"), qPrintable(r.envelope().statusDetail));
        if (r.envelope().status == RunStatus::EngineError) { // the forgery got through to the REPL…
            QVERIFY(r.outcome.restartSandbox);           // …and was caught: two reports, or no REPL
            QVERIFY2(r.envelope().statusDetail.contains(killParent ? QStringLiteral("did not finish") : QStringLiteral("more than one")),
                     qPrintable(r.envelope().statusDetail));
        } else {                                          // or it was stopped at /proc
            QCOMPARE(statusName(r.envelope().status), QStringLiteral("ok"));
            QCOMPARE(r.envelope().result.toString(), QStringLiteral("real"));
        }
    }
}

void TestMsbReplHostile::timeoutKillsTheRunNotTheRepl()
{
    FakePortal portal;
    ExecutionOptions options;
    options.wallTimeoutMs = 500;
    Run r = run(portal, QStringLiteral(
        "import subprocess, sys\n"
        "p = subprocess.Popen(['sleep', '60'])\n"
        "print(p.pid, flush=True)\n"
        "while True: pass\n"), {}, options);
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("timeout"));
    QVERIFY(r.envelope().usage.wallMs >= 500);
    QVERIFY(r.envelope().usage.wallMs < 5000);
    QVERIFY(!r.outcome.restartSandbox); // the REPL is idle again
    const qint64 sleeper = text(r.envelope().stdoutStream).trimmed().toLongLong();
    QVERIFY(sleeper > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(sleeper), 5000); // the run's group died with it
    QCOMPARE(run(portal, QStringLiteral("result = 2")).envelope().result.toInt(), 2);
}

void TestMsbReplHostile::outputLimitAndHugeOutput()
{
    FakePortal portal;
    // 3 MiB under the cap: exact, carried over many report lines.
    Run r = run(portal, QStringLiteral("import sys\nsys.stdout.write('0123456789abcdef' * (3 << 16))\nprint('end', file=sys.stderr)"));
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("ok"));
    QCOMPARE(r.envelope().stdoutStream.bytes.size(), 3 << 20);
    QVERIFY(r.envelope().stdoutStream.bytes.endsWith("cdef"));
    QCOMPARE(r.envelope().stderrStream.bytes, QByteArray("end\n"));
    QCOMPARE(r.envelope().usage.outputBytes, (3 << 20) + 4);
    QVERIFY(r.replStdout.count('\n') > 100);
    QVERIFY(portalSafe(r.replStdout));
    // Over the cap: stopped by the supervisor, at most the cap kept.
    ExecutionOptions options;
    options.maxOutputBytes = 1 << 20;
    r = run(portal, QStringLiteral("while True: print('x' * 4096)"), {}, options);
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("output_limit"));
    QVERIFY(r.envelope().stdoutStream.truncated);
    QCOMPARE(r.envelope().stdoutStream.bytes.size(), 1 << 20);
    QVERIFY(r.envelope().stdoutStream.totalBytes > (1 << 20));
    QVERIFY(portal.alive());
}

void TestMsbReplHostile::memoryAndCpuLimits()
{
    FakePortal portal;
    ExecutionOptions options;
    options.memoryMb = 256;
    Run r = run(portal, QStringLiteral("x = bytearray(1 << 30)"), {}, options);
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("memory_limit"));
    QVERIFY(r.envelope().statusDetail.contains(QStringLiteral("MemoryError")));
    options = {};
    options.cpuSeconds = 1;
    options.wallTimeoutMs = 10'000;
    r = run(portal, QStringLiteral("while True: pass"), {}, options);
    QCOMPARE(statusName(r.envelope().status), QStringLiteral("cpu_limit"));
    QVERIFY(r.envelope().usage.cpuMs >= 750);
    QVERIFY(r.envelope().usage.wallMs < 5000);
}

QTEST_GUILESS_MAIN(TestMsbReplHostile)
#include "tst_msb_replcode_hostile.moc"
