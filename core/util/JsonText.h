#pragma once

#include <QJsonValue>
#include <QString>

namespace pysandbox {

// Any JSON value as compact JSON text, scalars included: 7 -> "7", "a" -> "\"a\"", null -> "null".
QString compactJson(const QJsonValue &value);

} // namespace pysandbox
