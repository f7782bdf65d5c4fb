// Rich results through the real engine: pyplot figures the snippet leaves open come back as PNG
// displays (size-capped), and a pandas DataFrame/Series `result` as a table display.
#include "TestSupport.h"

#include <QDebug>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSize>
#include <QTest>
#include <QtEndian>

#include <map>

using namespace pysandbox;
using namespace pysandbox::test;

namespace {

const QString kPng = QStringLiteral("image/png");
const QString kText = QStringLiteral("text/plain");
const QString kTable = QStringLiteral("application/vnd.pysandbox.table+json");

QJsonObject dataOf(const QJsonValue &display) { return display.toObject().value(QStringLiteral("data")).toObject(); }
QJsonArray field(const QJsonObject &object, const char *name) { return object.value(QLatin1String(name)).toArray(); }
QJsonValue nanTag() { return QJsonObject{{QStringLiteral("$type"), QStringLiteral("float")}, {QStringLiteral("repr"), QStringLiteral("nan")}}; }
QJsonArray strings(const QStringList &list) { return QJsonArray::fromStringList(list); }

// The pixel size in a complete PNG's IHDR chunk; an invalid size when it is not one.
QSize pngSize(const QByteArray &png)
{
    static const QByteArray signature("\x89PNG\r\n\x1a\n", 8);
    static const QByteArray iend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
    if (!png.startsWith(signature) || png.mid(12, 4) != "IHDR" || !png.endsWith(iend))
        return {};
    return {static_cast<int>(qFromBigEndian<quint32>(png.constData() + 16)),
            static_cast<int>(qFromBigEndian<quint32>(png.constData() + 20))};
}

// Checks one figure display and returns its decoded PNG's size.
QSize figureSize(const QJsonValue &display, const QString &label)
{
    const QJsonObject data = dataOf(display);
    const QJsonObject metadata = display.toObject().value(QStringLiteral("metadata")).toObject();
    const QSize size = pngSize(QByteArray::fromBase64(data.value(kPng).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors));
    if (data.value(kText).toString() != label || metadata.value(QStringLiteral("width")).toInt() != size.width()
        || metadata.value(QStringLiteral("height")).toInt() != size.height())
        return {};
    return size;
}

// One engine's runner limits: max_display_bytes, max_table_rows.
using Limits = QPair<qint64, int>;
const Limits kDefaults{runner::Limits().maxDisplayBytes, runner::Limits().maxTableRows};

} // namespace

class TestRichResults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void openFiguresBecomePngDisplays();
    void closedFiguresAreNotReturned();
    void figureOverTheDisplayCapIsANote();
    void figureThatCannotBeDrawnIsANote();
    void manyLargeFiguresStayUnderTheFrameCap();
    void dataFrameBecomesATable();
    void mixedDtypes();
    void multiIndexAndNonStringLabels();
    void emptyFrames();
    void seriesIsAOneColumnTable();
    void wideFrameStaysUnderTheDisplayCap();
    void tableOverTheDisplayCapKeepsFewerRows();
    void displaysSurviveTheEnvelopeRoundTrip();

private:
    RunCapture run(const QString &code, Limits limits = kDefaults);
    // The table of the single display of a run whose `result` is a pandas object.
    QJsonObject tableOf(const QString &code);

    std::map<Limits, std::unique_ptr<NativeEngine>> m_engines; // one per set of limits
};

void TestRichResults::initTestCase()
{
    if (!pythonHasModule(QStringLiteral("matplotlib")) || !pythonHasModule(QStringLiteral("pandas")))
        QSKIP("matplotlib/pandas are not installed for the test interpreter");
}

RunCapture TestRichResults::run(const QString &code, Limits limits)
{
    std::unique_ptr<NativeEngine> &engine = m_engines[limits];
    if (!engine) {
        NativeEngineConfig config = nativeConfig();
        config.runnerLimits.maxDisplayBytes = limits.first;
        config.runnerLimits.maxTableRows = limits.second;
        engine = std::make_unique<NativeEngine>(config);
    }
    RunCapture capture = runCode(*engine, code);
    if (capture.envelope.status != RunStatus::Ok)
        qWarning().noquote() << capture.envelope.statusDetail << capture.joined(OutputStream::Stderr)
                             << (capture.envelope.error ? capture.envelope.error->traceback : QString());
    return capture;
}

QJsonObject TestRichResults::tableOf(const QString &code)
{
    const RunCapture capture = run(code);
    if (capture.envelope.status != RunStatus::Ok || capture.envelope.displays.size() != 1)
        return {};
    return dataOf(capture.envelope.displays[0]).value(kTable).toObject();
}

void TestRichResults::openFiguresBecomePngDisplays()
{
    const RunCapture capture = run(QStringLiteral(
        "import matplotlib.pyplot as plt\n"
        "plt.figure(figsize=(4, 3), dpi=50)\nplt.plot([1, 3, 2])\n"
        "plt.figure(figsize=(2, 5), dpi=40)\nplt.bar(['a', 'b'], [1, 2])\n"
        "plt.figure()\nplt.close()\n" // closed before the end: not returned
        "result = plt.get_fignums()\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.result, QJsonValue(QJsonArray{1, 2}));
    QCOMPARE(capture.envelope.displays.size(), 2);
    QCOMPARE(figureSize(capture.envelope.displays[0], QStringLiteral("Figure 1")), QSize(200, 150)); // figsize * dpi
    QCOMPARE(figureSize(capture.envelope.displays[1], QStringLiteral("Figure 2")), QSize(80, 200));
}

void TestRichResults::closedFiguresAreNotReturned()
{
    const RunCapture capture = run(QStringLiteral(
        "import io\nimport matplotlib.pyplot as plt\n"
        "plt.plot([1, 2])\nplt.savefig(io.BytesIO(), format='png')\nplt.close('all')\nresult = 'saved'\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.result, QJsonValue(QStringLiteral("saved")));
    QCOMPARE(capture.envelope.displays, QJsonArray());
    QCOMPARE(run(QStringLiteral("result = [1]")).envelope.displays, QJsonArray()); // (pyplot may be preloaded)
}

void TestRichResults::figureOverTheDisplayCapIsANote()
{
    const RunCapture capture = run(QStringLiteral(
        "import matplotlib.pyplot as plt, numpy as np\n"
        "fig = plt.figure(figsize=(2, 2), dpi=100)\n" // 200x200 of noise: ~120 KB of PNG
        "fig.figimage(np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8))\n"
        "plt.figure(figsize=(1, 1), dpi=20)\nresult = 'done'\n"), Limits{16 * 1024, 50});
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.result, QJsonValue(QStringLiteral("done")));
    QCOMPARE(capture.envelope.displays.size(), 2);
    const QJsonObject note = dataOf(capture.envelope.displays[0]);
    QCOMPARE(note.keys(), QStringList{kText});
    const QString text = note.value(kText).toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^Figure 1 \\(omitted: 1[0-9]{2}(\\.[0-9])? KB over the 16 KB display cap\\)$"))
                 .match(text).hasMatch(), qPrintable(text));
    QCOMPARE(figureSize(capture.envelope.displays[1], QStringLiteral("Figure 2")), QSize(20, 20));
}

void TestRichResults::figureThatCannotBeDrawnIsANote()
{
    const RunCapture capture = run(QStringLiteral(
        "import matplotlib.pyplot as plt\nfrom matplotlib.artist import Artist\n"
        "class Broken(Artist):\n    def draw(self, renderer):\n        raise RuntimeError('cannot draw')\n"
        "plt.figure(figsize=(2, 1), dpi=50)\n"
        "plt.figure().add_artist(Broken())\n"
        "plt.figure(figsize=(1, 1), dpi=30)\nresult = 3\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QVERIFY(!capture.envelope.error);
    QCOMPARE(capture.envelope.result, QJsonValue(3));
    QCOMPARE(capture.envelope.displays.size(), 3);
    QCOMPARE(figureSize(capture.envelope.displays[0], QStringLiteral("Figure 1")), QSize(100, 50));
    QCOMPARE(dataOf(capture.envelope.displays[1]),
             (QJsonObject{{kText, QStringLiteral("Figure 2 (omitted: RuntimeError)")}}));
    QCOMPARE(figureSize(capture.envelope.displays[2], QStringLiteral("Figure 3")), QSize(30, 30));
}

void TestRichResults::manyLargeFiguresStayUnderTheFrameCap()
{
    // Eight ~3.5 MB figures, each under the 4 MB cap, are 37 MB of base64: more than the host's
    // 32 MB frame cap. The figures together get 12 MB, so the run and its result survive.
    const RunCapture capture = run(QStringLiteral(
        "import matplotlib.pyplot as plt, numpy as np\nrng = np.random.default_rng(2)\n"
        "for _ in range(8):\n"
        "    plt.figure(figsize=(10, 10), dpi=100).figimage(rng.integers(0, 256, (1000, 1000, 3), dtype=np.uint8))\n"
        "result = 'kept'\n"));
    QCOMPARE(statusName(capture.envelope.status), QStringLiteral("ok"));
    QCOMPARE(capture.envelope.result, QJsonValue(QStringLiteral("kept")));
    const QJsonArray displays = capture.envelope.displays;
    QCOMPARE(displays.size(), 8);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(figureSize(displays[i], QStringLiteral("Figure %1").arg(i + 1)), QSize(1000, 1000));
    for (int i = 3; i < 8; ++i)
        QCOMPARE(dataOf(displays[i]).value(kText).toString(),
                 QStringLiteral("Figure %1 (omitted: the figures together are over the 12 MB display cap)").arg(i + 1));
}

void TestRichResults::dataFrameBecomesATable()
{
    const RunCapture capture = run(QStringLiteral(
        "import pandas as pd, numpy as np\n"
        "df = pd.DataFrame({'n': range(12), 'x': np.arange(12) / 4, 'name': [f'r{i}' for i in range(12)]})\n"
        "df.loc[1, 'x'] = np.nan\nresult = df\n"), Limits{kDefaults.first, 5});
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.displays.size(), 1);
    const QJsonObject data = dataOf(capture.envelope.displays[0]);
    QCOMPARE(data.keys(), (QStringList{kTable, kText}));
    QVERIFY(data.value(kText).toString().contains(QStringLiteral("name")));
    const QJsonObject table = data.value(kTable).toObject();
    QCOMPARE(field(table, "columns"), strings({QStringLiteral("n"), QStringLiteral("x"), QStringLiteral("name")}));
    QCOMPARE(field(table, "dtypes"), strings({QStringLiteral("int64"), QStringLiteral("float64"), QStringLiteral("object")}));
    QCOMPARE(field(table, "shape"), (QJsonArray{12, 3})); // the whole frame's shape
    QCOMPARE(field(table, "index"), (QJsonArray{0, 1, 2, 3, 4}));
    const QJsonArray rows = field(table, "rows");
    QCOMPARE(rows.size(), 5); // the first max_table_rows rows
    QCOMPARE(rows[0].toArray()[0], QJsonValue(0));
    QCOMPARE(rows[0].toArray()[1].toDouble(), 0.0);
    QCOMPARE(rows[0].toArray()[2], QJsonValue(QStringLiteral("r0")));
    QCOMPARE(rows[1].toArray()[1], nanTag()); // JSON has no NaN: the runner's tagged float
    QCOMPARE(rows[4].toArray()[1].toDouble(), 1.0);
    QCOMPARE(table.value(QStringLiteral("truncated")), QJsonValue(true));
    // The result itself is the tagged DataFrame: the same table plus "$type".
    QJsonObject result = capture.envelope.result.toObject();
    QCOMPARE(result.take(QStringLiteral("$type")), QJsonValue(QStringLiteral("pandas.DataFrame")));
    QCOMPARE(result, table);
}

void TestRichResults::mixedDtypes()
{
    const QJsonObject table = tableOf(QStringLiteral(
        "import pandas as pd, numpy as np\n"
        "result = pd.DataFrame({'i': [1, 2], 'f': [0.5, np.nan], 's': ['a', None],\n"
        "    'd': pd.to_datetime(['2024-01-02 03:04:05', None]), 'b': [True, False],\n"
        "    'c': pd.Categorical(['x', 'y']), 'n': pd.array([7, None], dtype='Int64')})\n"));
    QCOMPARE(field(table, "dtypes"), strings({QStringLiteral("int64"), QStringLiteral("float64"), QStringLiteral("object"),
                                              QStringLiteral("datetime64[ns]"), QStringLiteral("bool"),
                                              QStringLiteral("category"), QStringLiteral("Int64")}));
    const QJsonObject when{{QStringLiteral("$type"), QStringLiteral("datetime")}, {QStringLiteral("iso"), QStringLiteral("2024-01-02T03:04:05")}};
    const QJsonArray rows = field(table, "rows");
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0], (QJsonArray{1, 0.5, QStringLiteral("a"), when, true, QStringLiteral("x"), 7}));
    // Missing values: NaN stays a (tagged) float; None, NaT and pd.NA are null.
    QCOMPARE(rows[1], (QJsonArray{2, nanTag(), QJsonValue(), QJsonValue(), false, QStringLiteral("y"), QJsonValue()}));
    QCOMPARE(field(table, "shape"), (QJsonArray{2, 7}));
}

void TestRichResults::multiIndexAndNonStringLabels()
{
    const QJsonObject multi = tableOf(QStringLiteral(
        "import pandas as pd\n"
        "cols = pd.MultiIndex.from_tuples([('a', 1), ('a', 2), ('b', 1)])\n"
        "result = pd.DataFrame([[1, 2, 3], [4, 5, 6]], columns=cols, index=pd.MultiIndex.from_tuples([('x', 0), ('y', 1)]))\n"));
    QCOMPARE(field(multi, "columns"), (QJsonArray{QJsonArray{QStringLiteral("a"), 1}, QJsonArray{QStringLiteral("a"), 2},
                                                  QJsonArray{QStringLiteral("b"), 1}}));
    QCOMPARE(field(multi, "index"), (QJsonArray{QJsonArray{QStringLiteral("x"), 0}, QJsonArray{QStringLiteral("y"), 1}}));
    QCOMPARE(field(multi, "rows"), (QJsonArray{QJsonArray{1, 2, 3}, QJsonArray{4, 5, 6}}));
    const QJsonObject numbered = tableOf(QStringLiteral(
        "import pandas as pd\nresult = pd.DataFrame([[1.5, 'q']], columns=[10, 20], index=pd.to_datetime(['2024-05-06']))\n"));
    QCOMPARE(field(numbered, "columns"), (QJsonArray{10, 20}));
    QCOMPARE(field(numbered, "dtypes"), strings({QStringLiteral("float64"), QStringLiteral("object")}));
    QCOMPARE(field(numbered, "index")[0].toObject().value(QStringLiteral("iso")), QJsonValue(QStringLiteral("2024-05-06T00:00:00")));
}

void TestRichResults::emptyFrames()
{
    const QJsonObject empty = tableOf(QStringLiteral("import pandas as pd\nresult = pd.DataFrame()\n"));
    QCOMPARE(empty, (QJsonObject{{QStringLiteral("columns"), QJsonArray()}, {QStringLiteral("dtypes"), QJsonArray()},
                                 {QStringLiteral("index"), QJsonArray()}, {QStringLiteral("rows"), QJsonArray()},
                                 {QStringLiteral("shape"), QJsonArray{0, 0}}, {QStringLiteral("truncated"), false}}));
    const QJsonObject headed = tableOf(QStringLiteral("import pandas as pd\nresult = pd.DataFrame(columns=['a', 'b'])\n"));
    QCOMPARE(field(headed, "columns"), strings({QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(field(headed, "dtypes"), strings({QStringLiteral("object"), QStringLiteral("object")}));
    QCOMPARE(field(headed, "rows"), QJsonArray());
    QCOMPARE(field(headed, "shape"), (QJsonArray{0, 2}));
}

void TestRichResults::seriesIsAOneColumnTable()
{
    const RunCapture capture = run(QStringLiteral(
        "import pandas as pd\nresult = pd.Series([1.5, 2.5, None], index=['p', 'q', 'r'], name='price')\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.displays.size(), 1);
    const QJsonObject table = dataOf(capture.envelope.displays[0]).value(kTable).toObject();
    QCOMPARE(field(table, "columns"), strings({QStringLiteral("price")}));
    QCOMPARE(field(table, "dtypes"), strings({QStringLiteral("float64")}));
    QCOMPARE(field(table, "index"), strings({QStringLiteral("p"), QStringLiteral("q"), QStringLiteral("r")}));
    QCOMPARE(field(table, "rows"), (QJsonArray{QJsonArray{1.5}, QJsonArray{2.5}, QJsonArray{nanTag()}}));
    QCOMPARE(field(table, "shape"), (QJsonArray{3, 1}));
    const QJsonObject result = capture.envelope.result.toObject();
    QCOMPARE(result.value(QStringLiteral("$type")), QJsonValue(QStringLiteral("pandas.Series")));
    QCOMPARE(result.value(QStringLiteral("name")), QJsonValue(QStringLiteral("price")));
    QCOMPARE(result.value(QStringLiteral("length")), QJsonValue(3));
    QCOMPARE(field(result, "values"), (QJsonArray{1.5, 2.5, nanTag()}));
}

void TestRichResults::wideFrameStaysUnderTheDisplayCap()
{
    const RunCapture capture = run(QStringLiteral(
        "import pandas as pd, numpy as np\nresult = pd.DataFrame(np.arange(200000.0).reshape(100, 2000))\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.displays.size(), 1);
    const QJsonObject display = capture.envelope.displays[0].toObject();
    QVERIFY(QJsonDocument(display).toJson(QJsonDocument::Compact).size() <= runner::Limits().maxDisplayBytes);
    const QJsonObject table = dataOf(display).value(kTable).toObject();
    QCOMPARE(field(table, "shape"), (QJsonArray{100, 2000}));
    QCOMPARE(field(table, "columns").size(), runner::Limits().maxItems); // the first 1000 columns
    QCOMPARE(field(table, "dtypes").size(), runner::Limits().maxItems);
    const QJsonArray rows = field(table, "rows");
    QCOMPARE(rows.size(), runner::Limits().maxTableRows);
    QCOMPARE(rows[1].toArray().size(), runner::Limits().maxItems);
    QCOMPARE(rows[1].toArray()[999].toDouble(), 2999.0);
    QCOMPARE(table.value(QStringLiteral("truncated")), QJsonValue(true));
}

void TestRichResults::tableOverTheDisplayCapKeepsFewerRows()
{
    // 60 rows of two 2000-char cells (the cut of max_repr_chars) do not fit 100 KB: the table
    // keeps as many leading rows as fit instead of disappearing.
    const qint64 cap = 100'000;
    const RunCapture capture = run(QStringLiteral(
        "import pandas as pd\nresult = pd.DataFrame({'s': ['x' * 5000] * 60, 't': ['y' * 3000] * 60})\n"), Limits{cap, 50});
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.displays.size(), 1);
    const QJsonObject display = capture.envelope.displays[0].toObject();
    QVERIFY(QJsonDocument(display).toJson(QJsonDocument::Compact).size() <= cap);
    const QJsonObject table = dataOf(display).value(kTable).toObject();
    QCOMPARE(field(table, "shape"), (QJsonArray{60, 2}));
    QCOMPARE(field(table, "columns"), strings({QStringLiteral("s"), QStringLiteral("t")}));
    const QJsonArray rows = field(table, "rows");
    QVERIFY2(rows.size() >= 10 && rows.size() < 50, qPrintable(QString::number(rows.size())));
    QCOMPARE(field(table, "index").size(), rows.size());
    const QJsonObject cell = rows[0].toArray()[0].toObject();
    QCOMPARE(cell.value(QStringLiteral("length")), QJsonValue(5000));
    QCOMPARE(cell.value(QStringLiteral("value")).toString().size(), 2000);
    QCOMPARE(table.value(QStringLiteral("truncated")), QJsonValue(true));
}

void TestRichResults::displaysSurviveTheEnvelopeRoundTrip()
{
    const RunCapture capture = run(QStringLiteral(
        "import matplotlib.pyplot as plt, pandas as pd, numpy as np\n"
        "plt.figure(figsize=(3, 2), dpi=40)\nplt.plot([0, 1], [1, 0])\n"
        "result = pd.DataFrame({'v': [1.0, np.nan], 'w': ['\\u00fc', '\\U0001F600']})\n"));
    QCOMPARE(capture.envelope.status, RunStatus::Ok);
    QCOMPARE(capture.envelope.displays.size(), 2);
    QCOMPARE(figureSize(capture.envelope.displays[0], QStringLiteral("Figure 1")), QSize(120, 80));
    QVERIFY(dataOf(capture.envelope.displays[1]).contains(kTable));
    // As the CLI's --json writes it and a reader parses it back.
    const QByteArray bytes = QJsonDocument(capture.envelope.toJson()).toJson(QJsonDocument::Compact);
    QString error;
    const std::optional<ResultEnvelope> back = ResultEnvelope::fromJson(QJsonDocument::fromJson(bytes).object(), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->displays, capture.envelope.displays);
    QCOMPARE(back->result, capture.envelope.result);
    QCOMPARE(field(dataOf(back->displays[1]).value(kTable).toObject(), "rows")[1].toArray()[1],
             QJsonValue(QStringLiteral("\U0001F600")));
}

QTEST_GUILESS_MAIN(TestRichResults)
#include "tst_rich_results.moc"
