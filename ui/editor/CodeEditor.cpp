#include "CodeEditor.h"

#include <Qsci/qscicommand.h>
#include <Qsci/qscicommandset.h>
#include <Qsci/qscilexerpython.h>

#include <QFontDatabase>
#include <QPalette>

namespace pysandbox {

CodeEditor::CodeEditor(QWidget *parent)
    : QsciScintilla(parent)
    , m_lexer(new QsciLexerPython(this))
{
    setUtf8(true);
    setLexer(m_lexer);
    applyStyle();
    setAutoIndent(true);
    setIndentationsUseTabs(false);
    setIndentationWidth(4);
    setTabWidth(4);
    setBraceMatching(QsciScintilla::SloppyBraceMatch);
    setFolding(QsciScintilla::BoxedTreeFoldStyle);
    setCaretLineVisible(true);
    setMarginType(0, QsciScintilla::NumberMargin);
    setMarginLineNumbers(0, true);
    setMarginWidth(0, QStringLiteral("00000"));
    m_errorMarker = markerDefine(QsciScintilla::RightArrow);
    setMarkerBackgroundColor(QColor(0xd3, 0x2f, 0x2f), m_errorMarker);
    m_errorIndicator = indicatorDefine(QsciScintilla::SquiggleIndicator);
    setIndicatorForegroundColor(QColor(0xd3, 0x2f, 0x2f), m_errorIndicator);
    setAccessibleName(tr("Python code editor"));
    // Esc belongs to the window (Stop), not to Scintilla's "cancel" command.
    if (QsciCommand *cancel = standardCommands()->boundTo(Qt::Key_Escape))
        cancel->setKey(0);
}

void CodeEditor::applyStyle()
{
    // Lexers reset fonts and colours: settings that depend on them come after setLexer().
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_lexer->setDefaultFont(mono);
    m_lexer->setFont(mono);
    setMarginsFont(mono);
    // Scintilla paints its own colours: follow the palette's base and text, and on a dark one
    // lighten the lexer's colours (its defaults are made for white paper).
    const QPalette palette = this->palette();
    const QColor paper = palette.color(QPalette::Base);
    const bool dark = paper.lightness() < 128;
    m_lexer->setDefaultPaper(paper);
    m_lexer->setPaper(paper);
    m_lexer->setDefaultColor(palette.color(QPalette::Text));
    if (dark) {
        const QColor text = palette.color(QPalette::Text);
        const std::pair<int, QColor> colours[] = {
            {QsciLexerPython::Default, text}, {QsciLexerPython::Identifier, text}, {QsciLexerPython::Operator, text},
            {QsciLexerPython::Keyword, QColor(0x6c, 0xb6, 0xff)}, {QsciLexerPython::Comment, QColor(0x7e, 0xc6, 0x99)},
            {QsciLexerPython::CommentBlock, QColor(0x7e, 0xc6, 0x99)}, {QsciLexerPython::Number, QColor(0xc5, 0xe4, 0x78)},
            {QsciLexerPython::DoubleQuotedString, QColor(0xf0, 0xa8, 0x7e)}, {QsciLexerPython::SingleQuotedString, QColor(0xf0, 0xa8, 0x7e)},
            {QsciLexerPython::TripleSingleQuotedString, QColor(0xf0, 0xa8, 0x7e)}, {QsciLexerPython::TripleDoubleQuotedString, QColor(0xf0, 0xa8, 0x7e)},
            {QsciLexerPython::DoubleQuotedFString, QColor(0xf0, 0xa8, 0x7e)}, {QsciLexerPython::SingleQuotedFString, QColor(0xf0, 0xa8, 0x7e)},
            {QsciLexerPython::ClassName, QColor(0x5e, 0xd6, 0xc0)}, {QsciLexerPython::FunctionMethodName, QColor(0xe8, 0xdc, 0x8c)},
            {QsciLexerPython::Decorator, QColor(0xd1, 0x9a, 0xe8)}, {QsciLexerPython::UnclosedString, QColor(0xff, 0x7b, 0x72)},
        };
        for (const auto &[style, colour] : colours)
            m_lexer->setColor(colour, style);
    }
    setMarginsBackgroundColor(palette.color(QPalette::AlternateBase));
    setMarginsForegroundColor(palette.color(QPalette::PlaceholderText));
    setCaretForegroundColor(palette.color(QPalette::Text));
    setCaretLineBackgroundColor(dark ? paper.lighter(130) : QColor(0xf2, 0xf5, 0xfa));
    setFoldMarginColors(palette.color(QPalette::AlternateBase), palette.color(QPalette::AlternateBase));
}

void CodeEditor::markErrorLine(int line)
{
    markerDeleteAll(m_errorMarker);
    clearIndicatorRange(0, 0, lines(), 0, m_errorIndicator);
    m_errorLine = 0;
    if (line <= 0 || line > lines())
        return;
    m_errorLine = line;
    markerAdd(line - 1, m_errorMarker);
    fillIndicatorRange(line - 1, 0, line - 1, static_cast<int>(text(line - 1).size()), m_errorIndicator);
    ensureLineVisible(line - 1);
}

} // namespace pysandbox
