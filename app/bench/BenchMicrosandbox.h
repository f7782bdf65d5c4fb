// pysandbox-bench --microsandbox URL: what the microsandbox client adds to a warm run, measured
// against the same REPL call sent raw to the same server.
#pragma once

#include <QString>
#include <QUrl>

namespace pysandbox::bench {

// Prints the table; returns the tool's exit status (1 if a run failed).
int benchMicrosandbox(const QUrl &server, const QString &apiKey, int runs);

} // namespace pysandbox::bench
