#include "JsonText.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pysandbox {

QString compactJson(const QJsonValue &value)
{
    // A one-element array lets QJsonDocument print any value, scalars included.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

} // namespace pysandbox
