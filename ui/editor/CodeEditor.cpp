#include "CodeEditor.h"

#include <Qsci/qscicommand.h>
#include <Qsci/qscicommandset.h>
#include <Qsci/qscilexerpython.h>

#include <QFontDatabase>

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
