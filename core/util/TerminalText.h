#pragma once

#include <QByteArray>
#include <QStringDecoder>

namespace pysandbox {

// Makes untrusted output safe to show on a terminal: control characters other than
// newline, tab and carriage return (ESC above all, so no escape sequence survives) become
// visible caret notation, C1 controls become U+FFFD, and invalid UTF-8 becomes U+FFFD.
// Stateful, so multi-byte characters split across chunks come out whole.
class TerminalSanitizer
{
public:
    QByteArray feed(const QByteArray &chunk);

private:
    QStringDecoder m_decoder{QStringDecoder::Utf8};
};

} // namespace pysandbox
