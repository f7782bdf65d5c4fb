// Errors the snippet makes, reported with the line in the user's code.
#include "TestSupport.h"

#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestNativeErrors : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { m_engine = std::make_unique<NativeEngine>(nativeConfig()); }
    void syntaxErrorLine();
    void indentationError();
    void runtimeErrorLine();
    void innermostSnippetFrame();
    void errorInsideLibraryKeepsSnippetLine();
    void partialResultSurvivesError();
    void systemExit();
    void hardExitWithoutResult();
    void crashBySignal();
    void missingInterpreterIsAnEngineError();

private:
    std::unique_ptr<NativeEngine> m_engine;
};

void TestNativeErrors::syntaxErrorLine()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("x = 1\ny = 2\nz = (3 +\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QVERIFY(run.envelope.error);
    QCOMPARE(run.envelope.error->type, QStringLiteral("SyntaxError"));
    QCOMPARE(run.envelope.error->line, 3);
}

void TestNativeErrors::indentationError()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("if True:\nprint('x')\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QCOMPARE(run.envelope.error->type, QStringLiteral("IndentationError"));
    QCOMPARE(run.envelope.error->line, 2);
}

void TestNativeErrors::runtimeErrorLine()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("a = 1\n\nb = a / 0\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QCOMPARE(run.envelope.error->type, QStringLiteral("ZeroDivisionError"));
    QCOMPARE(run.envelope.error->message, QStringLiteral("division by zero"));
    QCOMPARE(run.envelope.error->line, 3);
    QVERIFY(run.envelope.error->traceback.contains(QStringLiteral("<snippet>")));
    QVERIFY2(!run.envelope.error->traceback.contains(QStringLiteral("pysandbox_runner")), qPrintable(run.envelope.error->traceback));
    QVERIFY(!run.envelope.error->traceback.contains(QStringLiteral("<string>")));
}

void TestNativeErrors::innermostSnippetFrame()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("def inner():\n    raise ValueError('bad value')\n\ndef outer():\n    inner()\n\nouter()\n"));
    QCOMPARE(run.envelope.error->type, QStringLiteral("ValueError"));
    QCOMPARE(run.envelope.error->line, 2);
    QVERIFY(run.envelope.error->frames.size() >= 3);
}

void TestNativeErrors::errorInsideLibraryKeepsSnippetLine()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("import json\n\njson.loads('{broken')\n"));
    QCOMPARE(run.envelope.error->type, QStringLiteral("json.decoder.JSONDecodeError")); // qualified outside builtins
    QCOMPARE(run.envelope.error->line, 3);
    QVERIFY(run.envelope.error->traceback.contains(QStringLiteral("json")));
}

void TestNativeErrors::partialResultSurvivesError()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("result = 'half'\nraise RuntimeError('then this')\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QVERIFY(run.envelope.hasResult);
    QCOMPARE(run.envelope.result.toString(), QStringLiteral("half"));
}

void TestNativeErrors::systemExit()
{
    const RunCapture clean = runCode(*m_engine, QStringLiteral("import sys\nresult = 1\nsys.exit(0)\n"));
    QCOMPARE(clean.envelope.status, RunStatus::Ok);
    QCOMPARE(clean.envelope.result.toInt(), 1);
    const RunCapture failed = runCode(*m_engine, QStringLiteral("import sys\nsys.exit(3)\n"));
    QCOMPARE(failed.envelope.status, RunStatus::Error);
    QCOMPARE(failed.envelope.error->type, QStringLiteral("SystemExit"));
}

void TestNativeErrors::hardExitWithoutResult()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("import os\nprint('bye')\nos._exit(7)\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QCOMPARE(run.envelope.error->type, QStringLiteral("ProcessExit"));
    QVERIFY(run.envelope.error->message.contains(QStringLiteral("7")));
    QCOMPARE(run.envelope.stdoutStream.bytes, QByteArray("bye\n"));
}

void TestNativeErrors::crashBySignal()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"));
    QCOMPARE(run.envelope.status, RunStatus::Error);
    QCOMPARE(run.envelope.error->type, QStringLiteral("ProcessCrash"));
    QVERIFY(run.envelope.error->message.contains(QStringLiteral("11")));
}

void TestNativeErrors::missingInterpreterIsAnEngineError()
{
    NativeEngineConfig config;
    config.interpreter = QStringLiteral("/nonexistent/python3");
    NativeEngine engine(config);
    const RunCapture run = runCode(engine, QStringLiteral("result = 1"));
    QCOMPARE(run.envelope.status, RunStatus::EngineError);
    QVERIFY(run.envelope.statusDetail.contains(QStringLiteral("/nonexistent/python3")));
}

QTEST_GUILESS_MAIN(TestNativeErrors)
#include "tst_native_errors.moc"
