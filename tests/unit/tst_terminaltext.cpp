#include "util/TerminalText.h"

#include <QTest>

using namespace pysandbox;

class TestTerminalText : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void escapesBecomeVisible();
    void keepsNewlinesTabsAndUnicode();
    void c1ControlsAndInvalidBytesAreReplaced();
    void multibyteSplitAcrossChunks();
};

void TestTerminalText::escapesBecomeVisible()
{
    TerminalSanitizer sanitizer;
    const QByteArray out = sanitizer.feed("\x1b]0;pwned\x07\x1b[2Jok");
    QVERIFY(!out.contains('\x1b'));
    QVERIFY(!out.contains('\x07'));
    QCOMPARE(out, QByteArray("^[]0;pwned^G^[[2Jok"));
}

void TestTerminalText::keepsNewlinesTabsAndUnicode()
{
    TerminalSanitizer sanitizer;
    QCOMPARE(sanitizer.feed("a\tb\r\nc\n"), QByteArray("a\tb\r\nc\n"));
    QCOMPARE(sanitizer.feed("gr\xc3\xbc\xc3\x9f \xe2\x82\xac"), QByteArray("gr\xc3\xbc\xc3\x9f \xe2\x82\xac"));
}

void TestTerminalText::c1ControlsAndInvalidBytesAreReplaced()
{
    TerminalSanitizer sanitizer;
    // U+009B is a one-character CSI on some terminals.
    const QByteArray out = sanitizer.feed("x\xc2\x9b" "31my \xff z");
    QVERIFY(!out.contains("\xc2\x9b"));
    QCOMPARE(out, QByteArray("x\xef\xbf\xbd" "31my \xef\xbf\xbd z"));
}

void TestTerminalText::multibyteSplitAcrossChunks()
{
    TerminalSanitizer sanitizer;
    QByteArray out = sanitizer.feed("\xe2\x82");
    out += sanitizer.feed("\xac!");
    QCOMPARE(out, QByteArray("\xe2\x82\xac!"));
}

QTEST_GUILESS_MAIN(TestTerminalText)
#include "tst_terminaltext.moc"
