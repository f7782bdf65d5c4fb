#include "TerminalText.h"

#include <QString>

namespace pysandbox {

QByteArray TerminalSanitizer::feed(const QByteArray &chunk)
{
    const QString text = m_decoder(chunk);
    QString safe;
    safe.reserve(text.size());
    for (const QChar ch : text) {
        const char16_t code = ch.unicode();
        if (code == u'\n' || code == u'\t' || code == u'\r') {
            safe.append(ch);
        } else if (code < 0x20 || code == 0x7f) {
            safe.append(QLatin1Char('^'));
            safe.append(QChar(code == 0x7f ? u'?' : static_cast<char16_t>(code + 0x40)));
        } else if (code >= 0x80 && code <= 0x9f) {
            safe.append(QChar(QChar::ReplacementCharacter));
        } else {
            safe.append(ch);
        }
    }
    return safe.toUtf8();
}

} // namespace pysandbox
