#pragma once

#include "execution/EngineFactory.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QStringDecoder>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QAction;
class QTimer;

namespace pysandbox {

struct AppSettings;
class CodeEditor;
class ResultPane;

// The scratchpad window: editor, inputs, engine choice, run/stop, result and log panes.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(EngineFactory *engines, QWidget *parent = nullptr);
    ~MainWindow() override;

    CodeEditor *editor() const { return m_editor; }
    bool isRunning() const { return !m_run.isNull(); }
    // The engine choice and the limits new runs get.
    void applySettings(const AppSettings &settings);
    // Writes the last run's stdout and stderr as the engine kept them (asks where when empty).
    void saveOutput(const QString &path = {});

public Q_SLOTS:
    void runSnippet();
    void stopSnippet();

Q_SIGNALS:
    void runFinished(const pysandbox::ResultEnvelope &envelope);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildUi();
    void updateActions();
    // The security badge: what the chosen engine would run with, probed without blocking.
    void refreshBadge();
    void buildExamplesMenu();
    void showEnvelope(const ResultEnvelope &envelope);
    void appendLog(OutputStream stream, const QByteArray &chunk);
    QString inputsProblem(QJsonObject *inputs) const;

    EngineFactory *m_engines;
    CodeEditor *m_editor = nullptr;
    QPlainTextEdit *m_inputs = nullptr;
    ResultPane *m_resultPane = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QComboBox *m_engineChoice = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_badge = nullptr;
    int m_badgeGeneration = 0;
    QLabel *m_elapsed = nullptr;
    QAction *m_runAction = nullptr;
    QAction *m_stopAction = nullptr;
    QTimer *m_elapsedTimer = nullptr;
    QElapsedTimer m_clock;
    QPointer<ExecutionRun> m_run;
    bool m_selecting = false;
    qint64 m_logBytes = 0;
    ExecutionOptions m_defaultLimits;
    QPushButton *m_saveOutput = nullptr;
    QByteArray m_lastStdout, m_lastStderr;
    QStringDecoder m_stdoutDecoder{QStringDecoder::Utf8};
    QStringDecoder m_stderrDecoder{QStringDecoder::Utf8};
};

} // namespace pysandbox
