#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

namespace pysandbox {

// A DataFrame as the runner sends it (`application/vnd.pysandbox.table+json`, or a result tagged
// "pandas.DataFrame"): columns with their dtypes, the index, the first rows, the full shape.
// Cells show as Python would print them; SortRole gives numbers as numbers, so a
// QSortFilterProxyModel sorts 10 after 9.
class TableDisplayModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr auto kMimeType = "application/vnd.pysandbox.table+json";

    explicit TableDisplayModel(QObject *parent = nullptr);

    // False (and an empty model) when `table` is not one.
    bool setTable(const QJsonObject &table);
    // "3 rows × 2 columns" plus "(first 50 rows shown)" when the runner cut it.
    QString shapeText() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QJsonArray m_columns, m_dtypes, m_index, m_rows;
    qint64 m_totalRows = 0, m_totalColumns = 0;
    bool m_truncated = false;
};

// The table bundles among a run's displays, in order.
QList<QJsonObject> tableDisplays(const QJsonArray &displays);
// A cell as Python shows it: None, True, 1.5, text, a tagged value's repr.
QString cellText(const QJsonValue &value);

} // namespace pysandbox
