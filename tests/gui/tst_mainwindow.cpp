// The real main window, offscreen: type, run, see the result, stop a runaway loop.
#include "DefaultEngines.h"
#include "MsbEmulator.h"
#include "Theme.h"
#include "MainWindow.h"
#include "TestSupport.h"
#include "editor/CodeEditor.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QPushButton>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>

using namespace pysandbox;
using namespace pysandbox::test;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void runShowsTheResult();
    void tracebackMarksTheLine();
    void tracebackLinesJumpToTheEditor();
    void stopEndsARunawayLoop();
    void invalidInputsDisableRun();
    void badgeTellsTheEnginesIsolation();
    void resultTreeCopiesAsJson();
    void dataFrameAndFigureTabs();
    void examplesRunAndTheHostileOneIsStopped();
    void characterSplitAcrossChunksStaysWhole();
    void hugeOutputIsCappedAndSavable();
    void runsOnTheMicrosandboxEngine();
    void darkThemeReachesTheEditor();

private:
    EngineFactory *m_engines = nullptr;
    MainWindow *m_window = nullptr;
};

void TestMainWindow::init()
{
    EngineConfig config;
    config.native = nativeConfig();
    m_engines = createDefaultEngineFactory(config, this);
    m_window = new MainWindow(m_engines);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void TestMainWindow::cleanup()
{
    delete m_window;
    delete m_engines;
}

void TestMainWindow::runShowsTheResult()
{
    m_window->editor()->setText(QStringLiteral("print('side effect')\nresult = [x * x for x in inputs['xs']]\n"));
    auto *inputs = m_window->findChild<QPlainTextEdit *>(QStringLiteral("inputsEditor"));
    inputs->setPlainText(QStringLiteral("{\"xs\": [2, 3]}"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    QTest::keyClick(m_window->editor(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(finished.wait(30'000));
    const auto *result = m_window->findChild<QPlainTextEdit *>(QStringLiteral("resultView"));
    QVERIFY2(result->toPlainText().startsWith(QStringLiteral("Status: ok")), qPrintable(result->toPlainText()));
    QVERIFY(result->toPlainText().contains(QStringLiteral("4,")));
    QVERIFY(result->toPlainText().contains(QStringLiteral("Isolation: ")));
    QVERIFY(m_window->findChild<QPlainTextEdit *>(QStringLiteral("logView"))->toPlainText().contains(QStringLiteral("side effect")));
    QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("verdictLabel"))->text().startsWith(QStringLiteral("finished in")));
}

void TestMainWindow::tracebackMarksTheLine()
{
    m_window->editor()->setText(QStringLiteral("a = 1\nb = 2\nc = a / 0\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(30'000));
    QCOMPARE(m_window->editor()->errorLine(), 3);
}

void TestMainWindow::tracebackLinesJumpToTheEditor()
{
    m_window->editor()->setText(QStringLiteral("import json\n\ndef parse(text):\n    return json.loads(text)\n\nparse('{broken')\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(30'000));
    auto *traceback = m_window->findChild<QListWidget *>(QStringLiteral("tracebackView"));
    auto *tabs = m_window->findChild<QTabWidget *>(QStringLiteral("resultTabs"));
    QVERIFY(tabs->isTabEnabled(tabs->indexOf(traceback)));
    // Our two frames (line 6, then line 4 inside parse), json's own frames, then the error.
    QVERIFY2(traceback->count() >= 4, qPrintable(QString::number(traceback->count())));
    QVERIFY(traceback->item(0)->text().startsWith(QStringLiteral("line 6, in <module>")));
    QVERIFY(traceback->item(1)->text().startsWith(QStringLiteral("line 4, in parse")));
    QVERIFY(traceback->item(traceback->count() - 1)->text().startsWith(QStringLiteral("json.decoder.JSONDecodeError")));
    tabs->setCurrentWidget(traceback);
    const QRect second = traceback->visualItemRect(traceback->item(1));
    QTest::mouseClick(traceback->viewport(), Qt::LeftButton, {}, second.center());
    int line = -1, index = -1;
    m_window->editor()->getCursorPosition(&line, &index);
    QCOMPARE(line, 3); // 0-based: the fourth line, `return json.loads(text)`
    // A library frame is shown but goes nowhere.
    QTest::mouseClick(traceback->viewport(), Qt::LeftButton, {}, traceback->visualItemRect(traceback->item(2)).center());
    m_window->editor()->getCursorPosition(&line, &index);
    QCOMPARE(line, 3);
}

void TestMainWindow::stopEndsARunawayLoop()
{
    m_window->editor()->setText(QStringLiteral("while True:\n    pass\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    auto *stop = m_window->findChild<QAction *>(QStringLiteral("stopAction"));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isRunning(), 10'000);
    QVERIFY(stop->isEnabled());
    QTest::qWait(300);
    QTest::keyClick(m_window->editor(), Qt::Key_Escape);
    QVERIFY(finished.wait(10'000));
    QCOMPARE(finished.first().first().value<ResultEnvelope>().status, RunStatus::Cancelled);
    QVERIFY(!stop->isEnabled());
}

void TestMainWindow::invalidInputsDisableRun()
{
    auto *inputs = m_window->findChild<QPlainTextEdit *>(QStringLiteral("inputsEditor"));
    auto *run = m_window->findChild<QAction *>(QStringLiteral("runAction"));
    inputs->setPlainText(QStringLiteral("{\"xs\": [1,"));
    QVERIFY(!run->isEnabled());
    QVERIFY(run->toolTip().contains(QStringLiteral("not valid JSON")));
    inputs->setPlainText(QStringLiteral("{}"));
    QVERIFY(run->isEnabled());
}

void TestMainWindow::badgeTellsTheEnginesIsolation()
{
    auto *badge = m_window->findChild<QLabel *>(QStringLiteral("securityBadge"));
    auto *engine = m_window->findChild<QComboBox *>(QStringLiteral("engineSelector"));
    engine->setCurrentIndex(engine->findText(QStringLiteral("Native")));
    const QString expected = testsRunSandboxed() ? QStringLiteral("native · namespaces+seccomp") : QStringLiteral("native · rlimits-only");
    QTRY_VERIFY2_WITH_TIMEOUT(badge->text().startsWith(expected), qPrintable(badge->text()), 20'000);
    QVERIFY(badge->toolTip().contains(QStringLiteral("Isolation: ")));
    // No server in this test's configuration: the badge says what is wrong instead of a level.
    engine->setCurrentIndex(engine->findText(QStringLiteral("Microsandbox")));
    QTRY_VERIFY2_WITH_TIMEOUT(badge->text() == QStringLiteral("microsandbox: server down"), qPrintable(badge->text()), 20'000);
    QVERIFY(badge->toolTip().contains(QStringLiteral("msb server start")));
}

void TestMainWindow::resultTreeCopiesAsJson()
{
    m_window->editor()->setText(QStringLiteral("result = {'name': 'x', 'values': list(range(5)), 'nested': {'ok': True}}\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(30'000));
    auto *tabs = m_window->findChild<QTabWidget *>(QStringLiteral("resultTabs"));
    auto *tree = m_window->findChild<QTreeView *>(QStringLiteral("resultTree"));
    QVERIFY(tabs->isTabEnabled(tabs->indexOf(tree)));
    QAbstractItemModel *model = tree->model();
    const QModelIndex root = model->index(0, 0);
    QCOMPARE(model->rowCount(root), 3);
    QVERIFY(tree->isExpanded(root));
    QModelIndex values;
    for (int row = 0; row < 3; ++row)
        if (model->index(row, 0, root).data().toString() == QLatin1String("values"))
            values = model->index(row, 0, root);
    QVERIFY(values.isValid());
    QCOMPARE(model->rowCount(values), 5);
    tabs->setCurrentWidget(tree);
    tree->setCurrentIndex(values);
    tree->setFocus();
    QApplication::clipboard()->clear();
    m_window->findChild<QAction *>(QStringLiteral("copyAsJsonAction"))->trigger();
    QCOMPARE(QJsonDocument::fromJson(QApplication::clipboard()->text().toUtf8()).array(), (QJsonArray{0, 1, 2, 3, 4}));
}

void TestMainWindow::dataFrameAndFigureTabs()
{
    if (!pythonHasModule(QStringLiteral("pandas")) || !pythonHasModule(QStringLiteral("matplotlib")))
        QSKIP("pandas and matplotlib are needed for tables and figures");
    m_window->editor()->setText(QStringLiteral(
        "import pandas as pd\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "df = pd.DataFrame({'n': [10, 9, 100], 'label': ['a', 'b', 'c']})\n"
        "plt.plot(df.n)\nresult = df\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(60'000));
    QCOMPARE(finished.first().first().value<ResultEnvelope>().status, RunStatus::Ok);
    auto *tabs = m_window->findChild<QTabWidget *>(QStringLiteral("resultTabs"));
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("tableView"));
    QCOMPARE(table->model()->rowCount(), 3);
    QCOMPARE(table->model()->headerData(0, Qt::Horizontal).toString(), QStringLiteral("n\nint64"));
    QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("tableShape"))->text(), QStringLiteral("3 rows × 2 columns"));
    table->sortByColumn(0, Qt::AscendingOrder); // numbers sort as numbers: 9, 10, 100
    QCOMPARE(table->model()->index(0, 0).data().toString(), QStringLiteral("9"));
    QCOMPARE(table->model()->index(2, 0).data().toString(), QStringLiteral("100"));
    QVERIFY(tabs->tabText(2).startsWith(QStringLiteral("Tables")));
    QCOMPARE(tabs->tabText(3), QStringLiteral("Figures (1)"));
    auto *figure = m_window->findChild<QLabel *>(QStringLiteral("figureView"));
    tabs->setCurrentIndex(3);
    // Fitted to the pane once the tab is shown; at its own 640 × 480 pixels on request.
    QTRY_VERIFY(!figure->pixmap().isNull() && figure->pixmap().width() > 100);
    QVERIFY(figure->pixmap().width() < 640);
    m_window->findChild<QPushButton *>(QStringLiteral("figureActualSize"))->click();
    QCOMPARE(figure->pixmap().size(), QSize(640, 480));
}

void TestMainWindow::examplesRunAndTheHostileOneIsStopped()
{
    const auto runExample = [this](const char *id) {
        auto *action = m_window->findChild<QAction *>(QStringLiteral("example-") + QLatin1String(id));
        [&] { QVERIFY2(action, id); }();
        action->trigger();
        QSignalSpy finished(m_window, &MainWindow::runFinished);
        m_window->runSnippet();
        [&] { QVERIFY(finished.wait(60'000)); }();
        return finished.isEmpty() ? ResultEnvelope() : finished.first().first().value<ResultEnvelope>();
    };
    const ResultEnvelope json = runExample("json");
    QCOMPARE(json.status, RunStatus::Ok);
    QCOMPARE(json.result.toObject().value(QStringLiteral("math")).toArray(), (QJsonArray{QStringLiteral("Ada"), QStringLiteral("Grace")}));
    const ResultEnvelope hostile = runExample("hostile");
    QCOMPARE(hostile.status, RunStatus::Ok);
    const QJsonObject attempts = hostile.result.toObject();
    QCOMPARE(attempts.size(), 3);
    for (auto it = attempts.begin(); it != attempts.end(); ++it)
        QVERIFY2(it.value().toString().startsWith(QStringLiteral("blocked: ")) || !testsRunSandboxed(),
                 qPrintable(it.key() + QStringLiteral(": ") + it.value().toString()));
    if (pythonHasModule(QStringLiteral("pandas"))) {
        const ResultEnvelope groupby = runExample("groupby");
        QCOMPARE(groupby.status, RunStatus::Ok);
        QCOMPARE(m_window->findChild<QTableView *>(QStringLiteral("tableView"))->model()->rowCount(), 3);
    }
    if (pythonHasModule(QStringLiteral("matplotlib"))) {
        const ResultEnvelope chart = runExample("chart");
        QCOMPARE(chart.status, RunStatus::Ok);
        QCOMPARE(chart.displays.size(), 1);
    }
}

void TestMainWindow::characterSplitAcrossChunksStaysWhole()
{
    m_window->editor()->setText(QStringLiteral(
        "import sys, time\nsys.stdout.buffer.write(b'caf\\xc3'); sys.stdout.flush()\ntime.sleep(0.3)\n"
        "sys.stdout.buffer.write(b'\\xa9 ok\\n'); sys.stdout.flush()\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(30'000));
    const QString log = m_window->findChild<QPlainTextEdit *>(QStringLiteral("logView"))->toPlainText();
    QVERIFY2(log.contains(QStringLiteral("café ok")), qPrintable(log));
}

void TestMainWindow::hugeOutputIsCappedAndSavable()
{
    // 12 MB of output: the view keeps 2 MB and stays responsive; the envelope keeps all of it.
    m_window->editor()->setText(QStringLiteral(
        "import sys\nline = 'y' * 1023 + '\\n'\nfor i in range(12 * 1024):\n    sys.stdout.write(line)\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    QElapsedTimer clock;
    clock.start();
    m_window->runSnippet();
    QVERIFY(finished.wait(60'000));
    QVERIFY2(clock.elapsed() < 20'000, "the window must not choke on a large log");
    const auto *log = m_window->findChild<QPlainTextEdit *>(QStringLiteral("logView"));
    QVERIFY(log->toPlainText().size() < 3 * 1024 * 1024);
    QVERIFY(log->toPlainText().contains(QStringLiteral("output truncated at 2 MB")));
    auto *save = m_window->findChild<QPushButton *>(QStringLiteral("saveOutputButton"));
    QVERIFY(save->isVisible());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.txt"));
    m_window->saveOutput(path);
    QCOMPARE(QFileInfo(path).size(), qint64(12) * 1024 * 1024);
}

void TestMainWindow::runsOnTheMicrosandboxEngine()
{
    MsbEmulator emulator; // the TEST EMULATOR of the 0.2.x server, on loopback
    QVERIFY2(emulator.start(), qPrintable(emulator.error()));
    delete m_window;
    delete m_engines;
    EngineConfig config;
    config.native = nativeConfig();
    config.microsandbox = emulator.engineConfig();
    m_engines = createDefaultEngineFactory(config, this);
    m_window = new MainWindow(m_engines);
    m_window->show();
    auto *engine = m_window->findChild<QComboBox *>(QStringLiteral("engineSelector"));
    engine->setCurrentIndex(engine->findText(QStringLiteral("Microsandbox")));
    auto *badge = m_window->findChild<QLabel *>(QStringLiteral("securityBadge"));
    QTRY_VERIFY2_WITH_TIMEOUT(badge->text() == QStringLiteral("microsandbox · micro-vm · ⚠ network egress allowed"),
                              qPrintable(badge->text()), 20'000);
    m_window->editor()->setText(QStringLiteral("print('in the vm')\nresult = sum(inputs['xs'])\n"));
    QSignalSpy finished(m_window, &MainWindow::runFinished);
    m_window->runSnippet();
    QVERIFY(finished.wait(30'000));
    const QString result = m_window->findChild<QPlainTextEdit *>(QStringLiteral("resultView"))->toPlainText();
    QVERIFY2(result.startsWith(QStringLiteral("Status: ok")), qPrintable(result));
    QVERIFY2(result.contains(QStringLiteral("Engine: microsandbox · micro-vm")), qPrintable(result));
    QVERIFY(m_window->findChild<QPlainTextEdit *>(QStringLiteral("logView"))->toPlainText().contains(QStringLiteral("in the vm")));
}

void TestMainWindow::darkThemeReachesTheEditor()
{
    const QPalette before = QApplication::palette();
    applyTheme(AppSettings::Theme::Dark);
    QVERIFY(paletteIsDark());
    MainWindow dark(m_engines);
    dark.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dark));
    QVERIFY2(dark.editor()->paper().lightness() < 128, "the editor keeps white paper in the dark theme");
    QVERIFY(dark.editor()->color().lightness() > 128);
    applyTheme(AppSettings::Theme::Light);
    QVERIFY(!paletteIsDark());
    QApplication::setPalette(before);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
