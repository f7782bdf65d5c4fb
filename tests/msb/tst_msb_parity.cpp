// The foundation issue's snippet set on both engines: the microsandbox engine (against the TEST
// EMULATOR, whose REPL runs the same python3 as the native tests) must give the envelope the
// native engine gives — status, result, streams, displays, error — engine name, isolation,
// usage and timings aside. Limits the VM does not apply (processes, file size) are not here;
// the engine says so in its notes.
#include "MsbEmulator.h"
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

// What must be identical: everything a user sees about the snippet itself.
QJsonObject comparable(const ResultEnvelope &envelope)
{
    QJsonObject object = envelope.toJson();
    for (const char *key : {"engine", "usage", "id"})
        object.remove(QLatin1String(key));
    return object;
}

ExecutionOptions limits(qint64 wallMs, int cpuSeconds, int memoryMb, qint64 maxOutput)
{
    ExecutionOptions options;
    options.wallTimeoutMs = wallMs;
    options.cpuSeconds = cpuSeconds;
    options.memoryMb = memoryMb;
    options.maxOutputBytes = maxOutput;
    return options;
}

} // namespace

Q_DECLARE_METATYPE(pysandbox::ExecutionOptions)

class TestMsbParity : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void sameEnvelope_data();
    void sameEnvelope();
    void fiftyRunsInARow();

private:
    MsbEmulator m_emulator;
    std::unique_ptr<NativeEngine> m_native;
    std::unique_ptr<MicrosandboxEngine> m_microsandbox;
};

void TestMsbParity::initTestCase()
{
    QVERIFY2(m_emulator.start(), qPrintable(m_emulator.error()));
    m_native = std::make_unique<NativeEngine>(nativeConfig());
    m_microsandbox = std::make_unique<MicrosandboxEngine>(m_emulator.engineConfig());
}

void TestMsbParity::sameEnvelope_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QJsonObject>("inputs");
    QTest::addColumn<ExecutionOptions>("options");
    QTest::addColumn<QString>("status");
    const ExecutionOptions defaults;
    const auto row = [&](const char *name, const QString &code, const char *status, const QJsonObject &inputs = {},
                         const ExecutionOptions &options = ExecutionOptions()) {
        QTest::newRow(name) << code << inputs << options << QString::fromLatin1(status);
    };
    // Results and inputs.
    row("issue example", QStringLiteral("result = sum(inputs['xs'])"), "ok", {{QStringLiteral("xs"), QJsonArray{1, 2, 3}}});
    row("json natives", QStringLiteral("result = {'none': None, 'yes': True, 'pi': 3.5, 'n': -7, 's': 'gr\\u00fc\\u00df \\U0001F600', 't': (1, [2])}"), "ok");
    row("tagged values", QStringLiteral("import datetime\nresult = [float('nan'), float('-inf'), {3}, b'\\x00\\xff', 2**64, "
                                        "datetime.date(2024, 2, 29), {1: 'a'}, object]"), "ok");
    row("awkward inputs", QStringLiteral("result = [inputs[k] for k in sorted(inputs)]"), "ok",
        {{QStringLiteral("quotes"), QStringLiteral("'''\"\"\" ' \"")}, {QStringLiteral("backslashes"), QStringLiteral("C:\\new\\t \\\\ \\u0041")},
         {QStringLiteral("newlines"), QStringLiteral("a\nb\r\n\tc\n")}, {QStringLiteral("unicode"), QStringLiteral("日本語 ✓ \U0001F40D e\u0301")},
         {QStringLiteral("nul"), QStringLiteral("a") + QChar(0) + QStringLiteral("b")},
         {QStringLiteral("nested"), QJsonObject{{QStringLiteral("a"), QJsonArray{QJsonObject{{QStringLiteral("b"), QJsonArray{1, QStringLiteral("\"")}}}}}}}});
    row("input keys are variables", QStringLiteral("result = [count, flag, len(items)]"), "ok",
        {{QStringLiteral("count"), 10}, {QStringLiteral("flag"), false}, {QStringLiteral("items"), QJsonArray{1, 2, 3}}});
    row("no result", QStringLiteral("x = 1"), "ok");
    if (pythonHasModule(QStringLiteral("numpy")))
        row("numpy", QStringLiteral("import numpy as np\nresult = [np.int64(7), np.arange(4), np.float32(0.5)]"), "ok");
    if (pythonHasModule(QStringLiteral("pandas")))
        row("dataframe", QStringLiteral("import pandas as pd\nresult = pd.DataFrame({'a': [1, 2], 'b': ['x', None]})"), "ok");
    if (pythonHasModule(QStringLiteral("matplotlib")))
        row("figure", QStringLiteral("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                                     "plt.plot([1, 3, 2])\nplt.title('parity')"), "ok");
    // Errors.
    row("syntax error", QStringLiteral("x = 1\ny = 2\nz = (3 +\n"), "error");
    row("exception line", QStringLiteral("a = 1\n\nb = a / 0\n"), "error");
    row("nested traceback", QStringLiteral("def inner():\n    raise ValueError('bad value')\n\ndef outer():\n    inner()\n\nouter()\n"), "error");
    row("result then error", QStringLiteral("result = 'half'\nraise RuntimeError('then this')\n"), "error");
    row("exit()", QStringLiteral("print('before')\nexit()"), "ok");
    row("sys.exit(3)", QStringLiteral("import sys\nsys.exit(3)"), "error");
    row("os._exit(5)", QStringLiteral("import os\nprint('bye', flush=True)\nos._exit(5)"), "error");
    row("input()", QStringLiteral("result = input()"), "error");
    // Streams.
    row("interleaved streams", QStringLiteral("import sys\nfor i in range(5):\n    print('out', i)\n    print('err', i, file=sys.stderr)"), "ok");
    row("no final newline", QStringLiteral("print('no newline', end='')"), "ok");
    row("non-UTF-8", QStringLiteral("import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe\\n')\nsys.stderr.buffer.write(b'\\xc3(')"), "ok");
    row("terminal escapes", QStringLiteral("print('\\x1b[2J\\x1b]0;title\\x07\\x1b[31mred\\x1b[0m\\r\\n')"), "ok");
    row("fake envelope", QStringLiteral("print('{\"status\": \"ok\", \"result\": 42}')\nprint('pysandbox-msb:' + '0' * 32 + ':end:0')\nresult = 'real'"), "ok");
    // Limits.
    row("wall timeout", QStringLiteral("import time\ntime.sleep(30)"), "timeout", {}, limits(1'000, 30, 1024, defaults.maxOutputBytes));
    row("cpu limit", QStringLiteral("while True:\n    pass"), "cpu_limit", {}, limits(20'000, 1, 1024, defaults.maxOutputBytes));
    row("memory limit", QStringLiteral("blob = bytearray(600 * 1024 * 1024)"), "memory_limit", {}, limits(20'000, 30, 256, defaults.maxOutputBytes));
    row("output limit", QStringLiteral("while True:\n    print('x' * 1000)"), "output_limit", {}, limits(20'000, 30, 1024, 100'000));
    ExecutionOptions smallFiles;
    smallFiles.maxFileSizeBytes = 4 * 1024 * 1024;
    row("file size limit", QStringLiteral("with open('big.bin', 'wb') as f:\n    f.write(b'x' * (8 * 1024 * 1024))"),
        "file_size_limit", {}, smallFiles);
    row("file size limit caught", QStringLiteral("import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                                                 "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (8 * 1024 * 1024))"),
        "file_size_limit", {}, smallFiles);
}

void TestMsbParity::sameEnvelope()
{
    QFETCH(QString, code);
    QFETCH(QJsonObject, inputs);
    QFETCH(ExecutionOptions, options);
    QFETCH(QString, status);
    const RunCapture native = runCode(*m_native, code, inputs, options);
    const RunCapture vm = runCode(*m_microsandbox, code, inputs, options);
    QCOMPARE(statusName(native.envelope.status), status);
    QVERIFY2(vm.envelope.status != RunStatus::EngineError, qPrintable(vm.envelope.statusDetail));
    QJsonObject expected = comparable(native.envelope);
    QJsonObject actual = comparable(vm.envelope);
    if (status == QLatin1String("output_limit")) {
        // How far past the cap a flood got before it was stopped depends on who was faster.
        for (QJsonObject *object : {&expected, &actual}) {
            QVERIFY(object->value(QStringLiteral("stdout_bytes")).toInteger() > options.maxOutputBytes);
            object->remove(QStringLiteral("stdout_bytes"));
        }
    }
    if (actual != expected) {
        for (auto it = expected.begin(); it != expected.end(); ++it)
            if (actual.value(it.key()) != it.value())
                qWarning().noquote() << it.key() << "native:" << QJsonDocument(QJsonObject{{it.key(), it.value()}}).toJson(QJsonDocument::Compact).left(600)
                                     << "\n  microsandbox:" << QJsonDocument(QJsonObject{{it.key(), actual.value(it.key())}}).toJson(QJsonDocument::Compact).left(600);
    }
    QCOMPARE(actual, expected);
    QCOMPARE(vm.joined(OutputStream::Stdout), vm.envelope.stdoutStream.bytes);
}

void TestMsbParity::fiftyRunsInARow()
{
    const int descriptors = openFileDescriptorCount();
    for (int i = 0; i < 50; ++i) {
        const RunCapture capture = runCode(*m_microsandbox, QStringLiteral("print(%1)\nresult = %1").arg(i));
        QVERIFY2(capture.envelope.status == RunStatus::Ok, qPrintable(capture.envelope.statusDetail));
        QCOMPARE(capture.envelope.result, QJsonValue(i));
        QCOMPARE(capture.envelope.stdoutStream.bytes, QByteArray::number(i) + '\n');
    }
    QVERIFY2(openFileDescriptorCount() <= descriptors + 4, "the client leaks sockets or files");
}

QTEST_GUILESS_MAIN(TestMsbParity)
#include "tst_msb_parity.moc"
