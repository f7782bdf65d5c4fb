#pragma once

#include <QList>
#include <QString>

namespace pysandbox {

// Snippets an analyst would try first, each with the inputs it expects.
struct Example
{
    QString id;      // objectName suffix of its menu action: "example-<id>"
    QString title;   // menu text
    QString code;
    QString inputs;  // JSON text for the inputs editor
};

QList<Example> builtinExamples();

} // namespace pysandbox
