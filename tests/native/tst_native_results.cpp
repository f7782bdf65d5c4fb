// What a snippet's `result` and `inputs` look like after the round trip through a real python3.
#include "TestSupport.h"

#include "native/isolation/IsolationVerifier.h"

#include <QJsonDocument>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestNativeResults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void issueExample();
    void jsonNativeValues();
    void inputsSurviveAsData_data();
    void inputsSurviveAsData();
    void inputKeysBecomeVariables();
    void taggedValues_data();
    void taggedValues();
    void numpyAndPandas();
    void noResultIsNotNull();
    void envelopeDescribesTheEngine();

private:
    std::unique_ptr<NativeEngine> m_engine;
};

void TestNativeResults::initTestCase()
{
    m_engine = std::make_unique<NativeEngine>(nativeConfig());
}

void TestNativeResults::issueExample()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("result = sum(inputs[\"xs\"])"),
                                   QJsonObject{{QStringLiteral("xs"), QJsonArray{1, 2, 3}}});
    QCOMPARE(statusName(run.envelope.status), QStringLiteral("ok"));
    QVERIFY(run.envelope.hasResult);
    QCOMPARE(run.envelope.result, QJsonValue(6));
}

void TestNativeResults::jsonNativeValues()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "result = {'none': None, 'yes': True, 'pi': 3.5, 'n': -7, 's': 'gr\\u00fc\\u00df \\U0001F600',"
        " 'nested': [[1, [2, {'x': (3, 4)}]]]}"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    const QJsonObject result = run.envelope.result.toObject();
    QVERIFY(result.value(QStringLiteral("none")).isNull());
    QCOMPARE(result.value(QStringLiteral("yes")), QJsonValue(true));
    QCOMPARE(result.value(QStringLiteral("pi")).toDouble(), 3.5);
    QCOMPARE(result.value(QStringLiteral("n")).toInt(), -7);
    QCOMPARE(result.value(QStringLiteral("s")).toString(), QStringLiteral("grüß 😀"));
    const QJsonArray tuple = result.value(QStringLiteral("nested")).toArray()[0].toArray()[1].toArray()[1].toObject()
                                 .value(QStringLiteral("x")).toArray();
    QCOMPARE(tuple, (QJsonArray{3, 4}));
}

void TestNativeResults::inputsSurviveAsData_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::newRow("quotes") << QJsonValue(QStringLiteral("'''\"\"\" ' \""));
    QTest::newRow("backslashes") << QJsonValue(QStringLiteral("C:\\new\\table \\\\ \\u0041 \\"));
    QTest::newRow("newlines") << QJsonValue(QStringLiteral("line1\nline2\r\n\tend\n"));
    QTest::newRow("unicode") << QJsonValue(QStringLiteral("日本語 ✓ \U0001F40D e\u0301"));
    QTest::newRow("code-looking") << QJsonValue(QStringLiteral("'); import os; os.system('x'); ('"));
    QTest::newRow("nesting") << QJsonValue(QJsonObject{{QStringLiteral("a"), QJsonArray{QJsonObject{{QStringLiteral("b"), QJsonArray{1, QStringLiteral("\"")}}}}}});
    QTest::newRow("nul char") << QJsonValue(QStringLiteral("a") + QChar(0) + QStringLiteral("b"));
}

void TestNativeResults::inputsSurviveAsData()
{
    QFETCH(QJsonValue, value);
    const RunCapture run = runCode(*m_engine, QStringLiteral("result = inputs['v']"), QJsonObject{{QStringLiteral("v"), value}});
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    QCOMPARE(run.envelope.result, value);
}

void TestNativeResults::inputKeysBecomeVariables()
{
    const QJsonObject inputs{{QStringLiteral("price"), 2}, {QStringLiteral("qty"), 5}, {QStringLiteral("not valid"), 1},
                             {QStringLiteral("class"), 1}, {QStringLiteral("__builtins__"), 1}};
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "result = [price * qty, 'not valid' in dir(), sorted(k for k in inputs),"
        " isinstance(__builtins__, dict) or hasattr(__builtins__, 'print')]"), inputs);
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    const QJsonArray result = run.envelope.result.toArray();
    QCOMPARE(result[0].toInt(), 10);
    QCOMPARE(result[1].toBool(), false);
    QCOMPARE(result[2].toArray().size(), 5);
    QCOMPARE(result[3].toBool(), true); // "__builtins__" from inputs did not replace the real one
}

void TestNativeResults::taggedValues_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("expected");
    QTest::newRow("nan") << QStringLiteral("result = float('nan')") << QStringLiteral("float") << QStringLiteral("repr") << QJsonValue(QStringLiteral("nan"));
    QTest::newRow("-inf") << QStringLiteral("result = float('-inf')") << QStringLiteral("float") << QStringLiteral("repr") << QJsonValue(QStringLiteral("-inf"));
    QTest::newRow("set") << QStringLiteral("result = {3}") << QStringLiteral("set") << QStringLiteral("length") << QJsonValue(1);
    QTest::newRow("bytes") << QStringLiteral("result = b'\\x00\\xffab'") << QStringLiteral("bytes") << QStringLiteral("base64") << QJsonValue(QStringLiteral("AP9hYg=="));
    QTest::newRow("huge int") << QStringLiteral("result = 2**64") << QStringLiteral("int") << QStringLiteral("repr") << QJsonValue(QStringLiteral("18446744073709551616"));
    QTest::newRow("datetime") << QStringLiteral("import datetime\nresult = datetime.datetime(2024, 1, 2, 3, 4, 5)") << QStringLiteral("datetime") << QStringLiteral("iso") << QJsonValue(QStringLiteral("2024-01-02T03:04:05"));
    QTest::newRow("date") << QStringLiteral("import datetime\nresult = datetime.date(2024, 2, 29)") << QStringLiteral("date") << QStringLiteral("iso") << QJsonValue(QStringLiteral("2024-02-29"));
    QTest::newRow("object") << QStringLiteral("class Thing:\n    def __repr__(self): return 'Thing!'\nresult = Thing()") << QStringLiteral("object") << QStringLiteral("repr") << QJsonValue(QStringLiteral("Thing!"));
    QTest::newRow("int keys") << QStringLiteral("result = {1: 'a'}") << QStringLiteral("dict") << QStringLiteral("length") << QJsonValue(1);
}

void TestNativeResults::taggedValues()
{
    QFETCH(QString, code);
    QFETCH(QString, type);
    QFETCH(QString, field);
    QFETCH(QJsonValue, expected);
    const RunCapture run = runCode(*m_engine, code);
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    const QJsonObject tagged = run.envelope.result.toObject();
    QCOMPARE(tagged.value(QStringLiteral("$type")).toString(), type);
    QCOMPARE(tagged.value(field), expected);
}

void TestNativeResults::numpyAndPandas()
{
    if (!pythonHasModule(QStringLiteral("numpy")) || !pythonHasModule(QStringLiteral("pandas")))
        QSKIP("numpy/pandas are not installed for the test interpreter");
    const RunCapture run = runCode(*m_engine, QStringLiteral(
        "import numpy as np, pandas as pd\n"
        "df = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})\n"
        "result = {'scalar': np.int64(5), 'array': np.arange(6).reshape(2, 3), 'df': df, 'nan': np.float64('nan')}\n"));
    QCOMPARE(run.envelope.status, RunStatus::Ok);
    const QJsonObject result = run.envelope.result.toObject();
    QCOMPARE(result.value(QStringLiteral("scalar")).toObject().value(QStringLiteral("value")).toInt(), 5);
    const QJsonObject array = result.value(QStringLiteral("array")).toObject();
    QCOMPARE(array.value(QStringLiteral("$type")).toString(), QStringLiteral("numpy.ndarray"));
    QCOMPARE(array.value(QStringLiteral("shape")).toArray(), (QJsonArray{2, 3}));
    const QJsonObject df = result.value(QStringLiteral("df")).toObject();
    QCOMPARE(df.value(QStringLiteral("$type")).toString(), QStringLiteral("pandas.DataFrame"));
    QCOMPARE(df.value(QStringLiteral("shape")).toArray(), (QJsonArray{3, 2}));
    QCOMPARE(df.value(QStringLiteral("columns")).toArray(), (QJsonArray{QStringLiteral("a"), QStringLiteral("b")}));
    QVERIFY(!result.value(QStringLiteral("nan")).isDouble()); // tagged, not a bare NaN
}

void TestNativeResults::noResultIsNotNull()
{
    const RunCapture none = runCode(*m_engine, QStringLiteral("x = 1"));
    QCOMPARE(none.envelope.status, RunStatus::Ok);
    QVERIFY(!none.envelope.hasResult);
    const RunCapture explicitNone = runCode(*m_engine, QStringLiteral("result = None"));
    QVERIFY(explicitNone.envelope.hasResult);
    QVERIFY(explicitNone.envelope.result.isNull());
}

void TestNativeResults::envelopeDescribesTheEngine()
{
    const RunCapture run = runCode(*m_engine, QStringLiteral("result = 1"));
    const ResultEnvelope &envelope = run.envelope;
    QCOMPARE(envelope.engine.name, QStringLiteral("native"));
    QVERIFY(envelope.engine.interpreter.contains(QStringLiteral("Python 3.")));
    QVERIFY(envelope.engine.isolation.contains(QStringLiteral("rlimits")));
    if (testsRunSandboxed()) {
        QCOMPARE(envelope.engine.securityLevel, expectedSecurityLevel());
        QCOMPARE(envelope.engine.startPath, testsRunWarm() ? QStringLiteral("warm") : QStringLiteral("cold"));
        for (const QString &layer : expectedSandboxLayers())
            QVERIFY2(envelope.engine.isolation.contains(layer), qPrintable(layer));
        QVERIFY(envelope.engine.notes.isEmpty());
    } else {
        QCOMPARE(envelope.engine.securityLevel, QStringLiteral("rlimits-only"));
        QVERIFY(!envelope.engine.isolation.contains(QStringLiteral("seccomp")));
        QVERIFY(!envelope.engine.notes.isEmpty()); // says plainly what is missing
    }
    QVERIFY(envelope.usage.wallMs > 0);
    // Warm: only what the run added over the preload it shares with the pool (a few hundred kB).
    QVERIFY(envelope.usage.peakMemoryKb > (testsRunWarm() ? 0 : 1000));
    QCOMPARE(envelope.usage.limits.value(QStringLiteral("memory_mb")).toInt(), ExecutionOptions().memoryMb);
    const QJsonObject json = envelope.toJson();
    QCOMPARE(json.value(QStringLiteral("version")).toInt(), 1);
}

QTEST_GUILESS_MAIN(TestNativeResults)
#include "tst_native_results.moc"
