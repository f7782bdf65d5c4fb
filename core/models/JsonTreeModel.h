#pragma once

#include <QAbstractItemModel>
#include <QJsonValue>

#include <memory>
#include <vector>

namespace pysandbox {

// A run's `result` as a collapsible tree: one row per object member or array element, with its
// key, a one-line preview and its type (the runner's "$type" tag for values JSON cannot carry).
// Children are made when a view first asks for them, so a result with a million elements costs
// nothing until it is expanded.
class JsonTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, TypeColumn, ColumnCount };

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    // Shows `value` as the single top-level row "result".
    void setJson(const QJsonValue &value, const QString &rootName = QStringLiteral("result"));
    void clear(); // no rows
    QJsonValue jsonAt(const QModelIndex &index) const;
    // The value at `index` as JSON text (indented for objects and arrays), for "copy as JSON".
    QString jsonText(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node;
    Node *nodeFor(const QModelIndex &index) const;
    Node *childOf(Node *parent, int row) const;
    int rowsOf(const Node *node) const;

    std::unique_ptr<Node> m_root; // invisible; its one child is the result
};

// One line for any JSON value: strings quoted, containers summarised, tagged values by their repr.
QString jsonPreview(const QJsonValue &value, int maxChars = 120);
// "object", "array", "string", … or the runner's tag ("datetime", "pandas.DataFrame", …).
QString jsonTypeName(const QJsonValue &value);

} // namespace pysandbox
