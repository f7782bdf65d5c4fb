// The result pane's models: the JSON tree (lazy, copy as JSON) and the DataFrame table (shape,
// dtypes, numeric sort), checked by Qt's own model tester as well as by what a user would see.
#include "models/JsonTreeModel.h"
#include "models/TableDisplayModel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace pysandbox;

namespace {

QJsonObject parse(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestResultModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void treeShowsNestedValues();
    void treeIsLazyForHugeArrays();
    void treeCopiesAsJson();
    void previewsAndTypes_data();
    void previewsAndTypes();
    void tableFromADisplay();
    void tableSortsNumbersAsNumbers();
    void brokenTableIsRefused();
};

void TestResultModels::treeShowsNestedValues()
{
    JsonTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setJson(parse(R"({"a": [1, {"b": "x"}], "when": {"$type": "datetime", "iso": "2024-01-02T03:04:05"}})"));
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(root.data().toString(), QStringLiteral("result"));
    QCOMPARE(model.index(0, JsonTreeModel::ValueColumn).data().toString(), QStringLiteral("{2 keys}"));
    QCOMPARE(model.rowCount(root), 2);
    const QModelIndex a = model.index(0, 0, root);
    QCOMPARE(a.data().toString(), QStringLiteral("a"));
    QCOMPARE(model.index(0, JsonTreeModel::TypeColumn, root).data().toString(), QStringLiteral("array"));
    const QModelIndex b = model.index(0, JsonTreeModel::ValueColumn, model.index(1, 0, a));
    QCOMPARE(b.data().toString(), QStringLiteral("\"x\""));
    QCOMPARE(model.parent(b).parent(), a);
    const QModelIndex when = model.index(1, 0, root);
    QCOMPARE(model.index(1, JsonTreeModel::TypeColumn, root).data().toString(), QStringLiteral("datetime"));
    QCOMPARE(model.index(1, JsonTreeModel::ValueColumn, root).data().toString(), QStringLiteral("2024-01-02T03:04:05"));
    QCOMPARE(when.data().toString(), QStringLiteral("when"));
}

void TestResultModels::treeIsLazyForHugeArrays()
{
    QJsonArray big;
    for (int i = 0; i < 200'000; ++i)
        big.append(i);
    JsonTreeModel model;
    QElapsedTimer clock;
    clock.start();
    model.setJson(big);
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(model.rowCount(root), 200'000);
    QCOMPARE(model.index(199'999, JsonTreeModel::ValueColumn, root).data().toString(), QStringLiteral("199999"));
    QVERIFY2(clock.elapsed() < 1'000, "setting and reading a 200 000-element result must not build every row");
}

void TestResultModels::treeCopiesAsJson()
{
    JsonTreeModel model;
    model.setJson(parse(R"({"a": [1, 2.5, null, "q\"uote"]})"));
    const QModelIndex a = model.index(0, 0, model.index(0, 0));
    QCOMPARE(QJsonDocument::fromJson(model.jsonText(a).toUtf8()).array(), (QJsonArray{1, 2.5, QJsonValue(), QStringLiteral("q\"uote")}));
    QCOMPARE(model.jsonText(model.index(3, 0, a)), QStringLiteral("\"q\\\"uote\""));
    QCOMPARE(model.jsonText(model.index(1, 0, a)), QStringLiteral("2.5"));
}

void TestResultModels::previewsAndTypes_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("preview");
    QTest::addColumn<QString>("type");
    QTest::newRow("null") << QJsonValue() << "None" << "null";
    QTest::newRow("true") << QJsonValue(true) << "True" << "bool";
    QTest::newRow("int") << QJsonValue(qint64(7)) << "7" << "int";
    QTest::newRow("float") << QJsonValue(0.1) << "0.1" << "float"; // the shortest text that reads back the same
    QTest::newRow("float exact") << QJsonValue(1.0 / 3) << "0.3333333333333333" << "float";
    QTest::newRow("nan tag") << QJsonValue(parse(R"({"$type": "float", "repr": "nan"})")) << "nan" << "float";
    QTest::newRow("set tag") << QJsonValue(parse(R"({"$type": "set", "length": 3, "items": [1, 2, 3]})")) << "3 items" << "set";
    QTest::newRow("frame tag") << QJsonValue(parse(R"({"$type": "pandas.DataFrame", "shape": [10, 2]})"))
                               << "10 rows × 2 columns" << "pandas.DataFrame";
    QTest::newRow("long string") << QJsonValue(QString(500, u'x')) << QString(QLatin1Char('"') + QString(118, u'x') + QChar(0x2026)) << "string";
}

void TestResultModels::previewsAndTypes()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, preview);
    QFETCH(QString, type);
    QCOMPARE(jsonPreview(value), preview);
    QCOMPARE(jsonTypeName(value), type);
}

void TestResultModels::tableFromADisplay()
{
    const QJsonArray displays{
        QJsonObject{{QStringLiteral("data"), QJsonObject{{QStringLiteral("image/png"), QStringLiteral("iVBOR")}}}},
        QJsonObject{{QStringLiteral("data"), QJsonObject{{QLatin1String(TableDisplayModel::kMimeType), parse(R"(
            {"columns": ["a", "b"], "dtypes": ["int64", "object"], "index": [0, 1, 2],
             "rows": [[10, "x"], [9, null], [100, {"$type": "float", "repr": "nan"}]],
             "shape": [1000, 2], "truncated": true})")}}}}};
    const QList<QJsonObject> tables = tableDisplays(displays);
    QCOMPARE(tables.size(), 1);
    TableDisplayModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setTable(tables.first()));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("a\nint64"));
    QCOMPARE(model.headerData(2, Qt::Vertical).toString(), QStringLiteral("2"));
    QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("None"));
    QCOMPARE(model.index(2, 1).data().toString(), QStringLiteral("nan"));
    QCOMPARE(model.shapeText(), QStringLiteral("1000 rows × 2 columns (3 rows and 2 columns shown)"));
}

void TestResultModels::tableSortsNumbersAsNumbers()
{
    TableDisplayModel model;
    QVERIFY(model.setTable(parse(R"({"columns": ["n"], "dtypes": ["int64"], "index": [0, 1, 2],
                                     "rows": [[10], [9], [100]], "shape": [3, 1], "truncated": false})")));
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(TableDisplayModel::SortRole);
    sorted.sort(0, Qt::AscendingOrder);
    QCOMPARE(sorted.index(0, 0).data().toString(), QStringLiteral("9"));
    QCOMPARE(sorted.index(2, 0).data().toString(), QStringLiteral("100"));
    QCOMPARE(model.shapeText(), QStringLiteral("3 rows × 1 columns"));
}

void TestResultModels::brokenTableIsRefused()
{
    TableDisplayModel model;
    QVERIFY(!model.setTable(parse(R"({"columns": ["a", "b"], "rows": [[1]]})")));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 0);
}

QTEST_GUILESS_MAIN(TestResultModels)
#include "tst_result_models.moc"
