#include "TableDisplayModel.h"

#include "JsonTreeModel.h"

namespace pysandbox {

QString cellText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    return jsonPreview(value, 200);
}

QList<QJsonObject> tableDisplays(const QJsonArray &displays)
{
    QList<QJsonObject> tables;
    for (const QJsonValue &display : displays) {
        const QJsonValue table = display.toObject().value(QStringLiteral("data")).toObject().value(QLatin1String(TableDisplayModel::kMimeType));
        if (table.isObject())
            tables.append(table.toObject());
    }
    return tables;
}

TableDisplayModel::TableDisplayModel(QObject *parent) : QAbstractTableModel(parent) {}

bool TableDisplayModel::setTable(const QJsonObject &table)
{
    beginResetModel();
    m_columns = table.value(QStringLiteral("columns")).toArray();
    m_dtypes = table.value(QStringLiteral("dtypes")).toArray();
    m_index = table.value(QStringLiteral("index")).toArray();
    m_rows = table.value(QStringLiteral("rows")).toArray();
    const QJsonArray shape = table.value(QStringLiteral("shape")).toArray();
    m_totalRows = shape.at(0).toInteger(m_rows.size());
    m_totalColumns = shape.at(1).toInteger(m_columns.size());
    m_truncated = table.value(QStringLiteral("truncated")).toBool();
    // Every row must have a cell per column: anything else is not a table the runner made.
    bool ok = table.value(QStringLiteral("columns")).isArray() && table.value(QStringLiteral("rows")).isArray();
    for (const QJsonValue &row : std::as_const(m_rows))
        ok = ok && row.isArray() && row.toArray().size() == m_columns.size();
    if (!ok)
        m_columns = m_dtypes = m_index = m_rows = QJsonArray();
    endResetModel();
    return ok;
}

QString TableDisplayModel::shapeText() const
{
    QString text = tr("%1 rows × %2 columns").arg(m_totalRows).arg(m_totalColumns);
    if (m_truncated)
        text += u' ' + tr("(%1 rows and %2 columns shown)").arg(m_rows.size()).arg(m_columns.size());
    return text;
}

int TableDisplayModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TableDisplayModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant TableDisplayModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const QJsonValue cell = m_rows.at(index.row()).toArray().at(index.column());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return cellText(cell);
    case SortRole:
        return cell.isDouble() ? QVariant(cell.toDouble()) : QVariant(cellText(cell));
    case Qt::TextAlignmentRole:
        return cell.isDouble() ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    default:
        return {};
    }
}

QVariant TableDisplayModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    if (orientation == Qt::Vertical)
        return section < m_index.size() ? cellText(m_index.at(section)) : QVariant(section);
    const QString name = cellText(m_columns.at(section));
    const QString dtype = m_dtypes.at(section).toString();
    return dtype.isEmpty() ? name : name + u'\n' + dtype;
}

} // namespace pysandbox
