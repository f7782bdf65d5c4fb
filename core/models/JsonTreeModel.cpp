#include "JsonTreeModel.h"

#include "util/JsonText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace pysandbox {

struct JsonTreeModel::Node
{
    QString key;
    QJsonValue value;
    Node *parent = nullptr;
    int row = 0;
    mutable std::vector<std::unique_ptr<Node>> children; // made on demand, slot by slot
};

namespace {

int childCount(const QJsonValue &value)
{
    if (value.isArray())
        return int(value.toArray().size());
    if (value.isObject())
        return int(value.toObject().size());
    return 0;
}

QString tagOf(const QJsonValue &value)
{
    return value.isObject() ? value.toObject().value(QStringLiteral("$type")).toString() : QString();
}

QString cut(const QString &text, int maxChars)
{
    return text.size() > maxChars ? text.left(maxChars - 1) + QChar(0x2026) : text;
}

} // namespace

QString jsonTypeName(const QJsonValue &value)
{
    if (const QString tag = tagOf(value); !tag.isEmpty())
        return tag;
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("bool");
    case QJsonValue::Double: return value.toVariant().typeId() == QMetaType::LongLong ? QStringLiteral("int") : QStringLiteral("float");
    case QJsonValue::String: return QStringLiteral("string");
    case QJsonValue::Array: return QStringLiteral("array");
    case QJsonValue::Object: return QStringLiteral("object");
    case QJsonValue::Undefined: break;
    }
    return {};
}

QString jsonPreview(const QJsonValue &value, int maxChars)
{
    const QJsonObject object = value.toObject();
    if (!tagOf(value).isEmpty()) {
        for (const char *field : {"repr", "iso", "base64", "text"})
            if (object.value(QLatin1String(field)).isString())
                return cut(object.value(QLatin1String(field)).toString(), maxChars);
        if (object.contains(QStringLiteral("shape"))) {
            const QJsonArray shape = object.value(QStringLiteral("shape")).toArray();
            return JsonTreeModel::tr("%1 rows × %2 columns").arg(shape.at(0).toInteger()).arg(shape.at(1).toInteger());
        }
        if (object.contains(QStringLiteral("length"))) {
            const qint64 n = object.value(QStringLiteral("length")).toInteger();
            return n == 1 ? JsonTreeModel::tr("1 item") : JsonTreeModel::tr("%1 items").arg(n);
        }
    }
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("None");
    case QJsonValue::Bool: return value.toBool() ? QStringLiteral("True") : QStringLiteral("False");
    case QJsonValue::Double:
        return value.toVariant().typeId() == QMetaType::LongLong ? QString::number(value.toInteger())
                                                                  : QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::String: return cut(QLatin1Char('"') + value.toString() + QLatin1Char('"'), maxChars);
    case QJsonValue::Array:
        return value.toArray().size() == 1 ? JsonTreeModel::tr("[1 item]") : JsonTreeModel::tr("[%1 items]").arg(value.toArray().size());
    case QJsonValue::Object:
        return object.size() == 1 ? JsonTreeModel::tr("{1 key}") : JsonTreeModel::tr("{%1 keys}").arg(object.size());
    case QJsonValue::Undefined: break;
    }
    return {};
}

JsonTreeModel::JsonTreeModel(QObject *parent) : QAbstractItemModel(parent), m_root(std::make_unique<Node>()) {}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::setJson(const QJsonValue &value, const QString &rootName)
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_root->value = QJsonArray{value};
    m_root->key = rootName; // the single child takes this name
    endResetModel();
}

void JsonTreeModel::clear()
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_root->value = QJsonArray();
    endResetModel();
}

JsonTreeModel::Node *JsonTreeModel::nodeFor(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

int JsonTreeModel::rowsOf(const Node *node) const
{
    // The invisible root holds the result as a one-element array (none after clear()).
    return node == m_root.get() ? std::min(1, childCount(node->value)) : childCount(node->value);
}

JsonTreeModel::Node *JsonTreeModel::childOf(Node *parent, int row) const
{
    const int count = rowsOf(parent);
    if (row < 0 || row >= count)
        return nullptr;
    if (parent->children.size() < size_t(count))
        parent->children.resize(size_t(count));
    std::unique_ptr<Node> &slot = parent->children[size_t(row)];
    if (!slot) {
        slot = std::make_unique<Node>();
        slot->parent = parent;
        slot->row = row;
        if (parent == m_root.get()) {
            slot->key = parent->key;
            slot->value = parent->value.toArray().at(0);
        } else if (parent->value.isArray()) {
            slot->key = QString::number(row);
            slot->value = parent->value.toArray().at(row);
        } else {
            const QJsonObject object = parent->value.toObject();
            const auto it = object.constBegin() + row;
            slot->key = it.key();
            slot->value = it.value();
        }
    }
    return slot.get();
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount)
        return {};
    Node *child = childOf(nodeFor(parent), row);
    return child ? createIndex(row, column, child) : QModelIndex();
}

QModelIndex JsonTreeModel::parent(const QModelIndex &child) const
{
    Node *node = nodeFor(child);
    if (!child.isValid() || !node->parent || node->parent == m_root.get())
        return {};
    return createIndex(node->parent->row, 0, node->parent);
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return rowsOf(nodeFor(parent));
}

int JsonTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    const Node *node = nodeFor(index);
    switch (index.column()) {
    case KeyColumn: return node->key;
    case ValueColumn: return jsonPreview(node->value, role == Qt::ToolTipRole ? 2000 : 120);
    case TypeColumn: return jsonTypeName(node->value);
    default: return {};
    }
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn: return tr("Name");
    case ValueColumn: return tr("Value");
    case TypeColumn: return tr("Type");
    default: return {};
    }
}

QJsonValue JsonTreeModel::jsonAt(const QModelIndex &index) const
{
    return index.isValid() ? nodeFor(index)->value : QJsonValue(QJsonValue::Undefined);
}

QString JsonTreeModel::jsonText(const QModelIndex &index) const
{
    const QJsonValue value = jsonAt(index);
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented)).trimmed();
    return compactJson(value);
}

} // namespace pysandbox
