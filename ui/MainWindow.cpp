#include "MainWindow.h"

#include "editor/CodeEditor.h"
#include "Theme.h"
#include "settings/AppSettings.h"
#include "examples/Examples.h"
#include "result/ResultPane.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QPushButton>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStatusBar>
#include <QStringDecoder>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace pysandbox {

namespace {

// The log pane keeps at most this much text; the envelope keeps the rest.
constexpr qint64 kLogCapBytes = 2 * 1024 * 1024;

QPlainTextEdit *makePane(const QString &objectName, const QString &accessibleName, bool readOnly, QWidget *parent)
{
    auto *pane = new QPlainTextEdit(parent);
    pane->setObjectName(objectName);
    pane->setAccessibleName(accessibleName);
    pane->setReadOnly(readOnly);
    pane->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return pane;
}

} // namespace

MainWindow::MainWindow(EngineFactory *engines, QWidget *parent)
    : QMainWindow(parent)
    , m_engines(engines)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("PySandbox"));
    buildUi();
    updateActions();
    refreshBadge();
    resize(1100, 720);
}

MainWindow::~MainWindow()
{
    if (m_run)
        m_run->cancel();
}

void MainWindow::buildUi()
{
    auto *toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName(QStringLiteral("runToolBar"));
    toolbar->setMovable(false);

    m_engineChoice = new QComboBox(toolbar);
    m_engineChoice->setObjectName(QStringLiteral("engineSelector"));
    m_engineChoice->setAccessibleName(tr("Engine"));
    m_engineChoice->addItem(tr("Auto"), QVariant::fromValue(static_cast<int>(EngineChoice::Auto)));
    m_engineChoice->addItem(tr("Native"), QVariant::fromValue(static_cast<int>(EngineChoice::Native)));
    m_engineChoice->addItem(tr("Microsandbox"), QVariant::fromValue(static_cast<int>(EngineChoice::Microsandbox)));
    toolbar->addWidget(new QLabel(tr("Engine:"), toolbar));
    toolbar->addWidget(m_engineChoice);
    m_badge = new QLabel(toolbar);
    m_badge->setObjectName(QStringLiteral("securityBadge"));
    m_badge->setAccessibleName(tr("Security"));
    m_badge->setContentsMargins(8, 0, 8, 0);
    toolbar->addWidget(m_badge);
    buildExamplesMenu();
    connect(m_engineChoice, &QComboBox::currentIndexChanged, this, &MainWindow::refreshBadge);
    toolbar->addSeparator();

    m_runAction = toolbar->addAction(tr("Run"), this, &MainWindow::runSnippet);
    m_runAction->setObjectName(QStringLiteral("runAction"));
    m_runAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    m_runAction->setToolTip(tr("Run the snippet (Ctrl+Enter)"));
    m_stopAction = toolbar->addAction(tr("Stop"), this, &MainWindow::stopSnippet);
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_stopAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_stopAction->setToolTip(tr("Stop the running snippet (Esc)"));

    m_editor = new CodeEditor(this);
    m_editor->setObjectName(QStringLiteral("codeEditor"));
    m_editor->setText(QStringLiteral("result = sum(inputs[\"xs\"])\nprint(\"sum computed\")\n"));
    m_inputs = makePane(QStringLiteral("inputsEditor"), tr("Inputs (JSON object)"), false, this);
    m_inputs->setPlainText(QStringLiteral("{\"xs\": [1, 2, 3]}"));
    connect(m_inputs, &QPlainTextEdit::textChanged, this, &MainWindow::updateActions);
    m_resultPane = new ResultPane(this);
    connect(m_resultPane, &ResultPane::jumpToLine, this, [this](int line) {
        m_editor->setCursorPosition(line - 1, 0);
        m_editor->ensureLineVisible(line - 1);
        m_editor->setFocus();
    });
    m_log = makePane(QStringLiteral("logView"), tr("Output log"), true, this);
    m_log->setMaximumBlockCount(20000);

    auto *left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_editor);
    left->addWidget(m_inputs);
    left->setStretchFactor(0, 4);
    left->setStretchFactor(1, 1);
    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_resultPane);
    m_saveOutput = new QPushButton(tr("Output truncated in this view — save full output…"), this);
    m_saveOutput->setObjectName(QStringLiteral("saveOutputButton"));
    m_saveOutput->setVisible(false);
    connect(m_saveOutput, &QPushButton::clicked, this, [this] { saveOutput(); });
    auto *logBox = new QWidget(this);
    auto *logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addWidget(m_log);
    logLayout->addWidget(m_saveOutput);
    right->addWidget(logBox);
    auto *main = new QSplitter(Qt::Horizontal, this);
    main->setObjectName(QStringLiteral("mainSplitter"));
    main->addWidget(left);
    main->addWidget(right);
    main->setStretchFactor(0, 3);
    main->setStretchFactor(1, 2);
    setCentralWidget(main);

    m_verdict = new QLabel(tr("Ready"), this);
    m_verdict->setObjectName(QStringLiteral("verdictLabel"));
    m_elapsed = new QLabel(this);
    m_elapsed->setObjectName(QStringLiteral("elapsedLabel"));
    statusBar()->addWidget(m_verdict, 1);
    statusBar()->addPermanentWidget(m_elapsed);
    m_elapsedTimer = new QTimer(this);
    m_elapsedTimer->setInterval(100);
    connect(m_elapsedTimer, &QTimer::timeout, this,
            [this] { m_elapsed->setText(tr("running %1 s").arg(m_clock.elapsed() / 1000.0, 0, 'f', 1)); });
}

QString MainWindow::inputsProblem(QJsonObject *inputs) const
{
    const QByteArray text = m_inputs->toPlainText().toUtf8();
    if (text.trimmed().isEmpty()) {
        *inputs = {};
        return {};
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        return tr("Inputs are not valid JSON: %1 at character %2").arg(error.errorString()).arg(error.offset);
    if (!document.isObject())
        return tr("Inputs must be a JSON object, like {\"x\": 1}");
    *inputs = document.object();
    return {};
}

void MainWindow::updateActions()
{
    QJsonObject inputs;
    const QString problem = inputsProblem(&inputs);
    const bool busy = isRunning() || m_selecting;
    m_runAction->setEnabled(!busy && problem.isEmpty());
    m_runAction->setToolTip(problem.isEmpty() ? tr("Run the snippet (Ctrl+Enter)") : problem);
    m_stopAction->setEnabled(busy);
    if (!busy && !problem.isEmpty())
        m_verdict->setText(problem);
}

void MainWindow::runSnippet()
{
    QJsonObject inputs;
    if (isRunning() || m_selecting || !inputsProblem(&inputs).isEmpty())
        return;
    ExecutionRequest request;
    request.code = m_editor->text();
    request.inputs = inputs;
    request.options = m_defaultLimits;
    m_editor->markErrorLine(0);
    m_log->clear();
    m_saveOutput->setVisible(false);
    m_lastStdout.clear();
    m_lastStderr.clear();
    m_stdoutDecoder = QStringDecoder(QStringDecoder::Utf8);
    m_stderrDecoder = QStringDecoder(QStringDecoder::Utf8);
    m_resultPane->clear();
    m_logBytes = 0;
    m_selecting = true;
    m_verdict->setText(tr("Starting…"));
    m_clock.start();
    m_elapsedTimer->start();
    updateActions();

    const auto choice = static_cast<EngineChoice>(m_engineChoice->currentData().toInt());
    auto *watcher = new QFutureWatcher<EngineSelection>(this);
    connect(watcher, &QFutureWatcher<EngineSelection>::finished, this, [this, watcher, request] {
        watcher->deleteLater();
        m_selecting = false;
        const EngineSelection selection = watcher->result();
        if (!selection.engine) {
            showEnvelope(ResultEnvelope::engineFailure(engineChoiceName(EngineChoice::Auto), selection.reason));
            return;
        }
        m_run = selection.engine->start(request, this);
        connect(m_run, &ExecutionRun::output, this, &MainWindow::appendLog);
        connect(m_run, &ExecutionRun::finished, this, &MainWindow::showEnvelope);
        m_verdict->setText(tr("Running on the %1 engine…").arg(selection.engine->name()));
        updateActions();
    });
    watcher->setFuture(m_engines->select(choice));
}

void MainWindow::applySettings(const AppSettings &settings)
{
    m_defaultLimits = settings.defaultLimits;
    m_engineChoice->setCurrentIndex(std::max(0, m_engineChoice->findData(static_cast<int>(settings.engine))));
}

void MainWindow::buildExamplesMenu()
{
    QMenu *menu = menuBar()->addMenu(tr("&Examples"));
    menu->setObjectName(QStringLiteral("examplesMenu"));
    for (const Example &example : builtinExamples()) {
        QAction *action = menu->addAction(example.title);
        action->setObjectName(QStringLiteral("example-") + example.id);
        connect(action, &QAction::triggered, this, [this, example] {
            m_editor->setText(example.code);
            m_inputs->setPlainText(example.inputs);
        });
    }
}

void MainWindow::refreshBadge()
{
    const int generation = ++m_badgeGeneration; // an older probe that ends later is ignored
    m_badge->setText(tr("checking…"));
    const auto choice = static_cast<EngineChoice>(m_engineChoice->currentData().toInt());
    auto *watcher = new QFutureWatcher<EngineSelection>(this);
    connect(watcher, &QFutureWatcher<EngineSelection>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_badgeGeneration)
            return;
        const EngineSelection selection = watcher->result();
        const EngineStatus &status = selection.status;
        QString text = selection.engine ? tr("%1 · %2").arg(selection.engine->name(), status.securityLevel)
                                        : tr("%1: %2").arg(engineKindName(status.kind),
                                                           status.summary.isEmpty() ? tr("not ready") : status.summary);
        if (selection.engine && !status.caveat.isEmpty())
            text += tr(" · ⚠ %1").arg(status.caveat);
        m_badge->setText(text);
        QStringList details{tr("Isolation: %1").arg(status.isolation.join(QStringLiteral(", ")))};
        details += status.problems;
        details += status.notes;
        m_badge->setToolTip(details.join(u'\n'));
    });
    watcher->setFuture(m_engines->select(choice));
}

void MainWindow::stopSnippet()
{
    if (m_run) {
        m_verdict->setText(tr("Stopping…"));
        m_run->cancel();
    }
}

void MainWindow::appendLog(OutputStream stream, const QByteArray &chunk)
{
    if (m_logBytes >= kLogCapBytes)
        return;
    m_logBytes += chunk.size();
    // One decoder per stream and run: a character split between two chunks stays whole.
    QString text = (stream == OutputStream::Stderr ? m_stderrDecoder : m_stdoutDecoder).decode(chunk);
    // Terminal escapes would show as garbage (or worse): make every control visible.
    for (QChar &ch : text)
        if (ch.unicode() < 0x20 && ch != QLatin1Char('\n') && ch != QLatin1Char('\t'))
            ch = QChar(0x2400 + ch.unicode());
    QTextCharFormat format;
    const QColor errorRed = paletteIsDark() ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
    format.setForeground(stream == OutputStream::Stderr ? errorRed : palette().color(QPalette::Text));
    QTextCursor cursor(m_log->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text, format);
    if (m_logBytes >= kLogCapBytes) {
        cursor.insertText(tr("\n[output truncated at %1 MB in this view]\n").arg(kLogCapBytes >> 20));
        m_saveOutput->setVisible(true);
    }
}

void MainWindow::saveOutput(const QString &chosenPath)
{
    const QString path = !chosenPath.isEmpty()
        ? chosenPath
        : QFileDialog::getSaveFileName(this, tr("Save the run's output"), tr("output.txt"), tr("Text files (*.txt);;All files (*)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_lastStdout + m_lastStderr) < 0)
        m_verdict->setText(tr("Could not save the output: %1").arg(file.errorString()));
}

void MainWindow::showEnvelope(const ResultEnvelope &envelope)
{
    m_selecting = false;
    m_elapsedTimer->stop();
    m_elapsed->setText(tr("%1 ms").arg(envelope.usage.wallMs));
    m_verdict->setText(verdictText(envelope));
    // Most important first: what happened, the result, the error; then how it ran.
    QStringList lines{tr("Status: %1 — %2").arg(statusName(envelope.status), verdictText(envelope))};
    if (envelope.hasResult) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{envelope.result}).toJson(QJsonDocument::Indented);
        lines << tr("Result:") << QString::fromUtf8(wrapped.mid(1, wrapped.size() - 3)).trimmed();
    }
    if (envelope.error)
        lines << tr("Error:") << (envelope.error->traceback.isEmpty()
                                      ? QStringLiteral("%1: %2").arg(envelope.error->type, envelope.error->message)
                                      : envelope.error->traceback.trimmed());
    lines << QString() << tr("Engine: %1 · %2").arg(envelope.engine.name, envelope.engine.securityLevel)
          << tr("Isolation: %1").arg(envelope.engine.isolation.join(QStringLiteral(", ")));
    for (const QString &note : envelope.engine.notes)
        lines << tr("Note: %1").arg(note);
    lines << tr("Usage: wall %1 ms · CPU %2 ms · peak memory %3 MB · output %4 bytes")
                 .arg(envelope.usage.wallMs)
                 .arg(envelope.usage.cpuMs)
                 .arg((envelope.usage.peakMemoryKb + 512) / 1024)
                 .arg(envelope.usage.outputBytes);
    m_resultPane->showEnvelope(envelope, lines.join(QLatin1Char('\n')));
    // All the engine kept (up to the run's output cap), for "save full output".
    m_lastStdout = envelope.stdoutStream.bytes;
    m_lastStderr = envelope.stderrStream.bytes;
    if (envelope.error)
        m_editor->markErrorLine(envelope.error->line);
    if (m_run)
        m_run->deleteLater();
    m_run.clear();
    updateActions();
    Q_EMIT runFinished(envelope);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Closing during a run stops it; the run's destructor leaves nothing behind.
    if (m_run)
        m_run->cancel();
    event->accept();
}

} // namespace pysandbox
