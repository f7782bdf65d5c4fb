#pragma once

#include <Qsci/qsciscintilla.h>

class QsciLexerPython;

namespace pysandbox {

// The one QsciScintilla wrapper: every editor in the app is configured here.
class CodeEditor final : public QsciScintilla
{
    Q_OBJECT
public:
    explicit CodeEditor(QWidget *parent = nullptr);

    // Marks the line a traceback points to (1-based); 0 clears the mark.
    void markErrorLine(int line);
    int errorLine() const { return m_errorLine; }

private:
    void applyStyle();

    QsciLexerPython *m_lexer = nullptr;
    int m_errorMarker = -1;
    int m_errorIndicator = -1;
    int m_errorLine = 0;
};

} // namespace pysandbox
