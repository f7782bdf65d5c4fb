#include "ResultPane.h"

#include "models/JsonTreeModel.h"
#include "models/TableDisplayModel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

namespace pysandbox {

namespace {

enum Tab { SummaryTab, ResultTab, TablesTab, FiguresTab, TracebackTab };
// The runner's name for the user's own code in tracebacks.
const QLatin1String kSnippetFile("<snippet>");
constexpr int kLineRole = Qt::UserRole + 1;

QWidget *column(QWidget *parent, std::initializer_list<QWidget *> widgets)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    for (QWidget *widget : widgets)
        layout->addWidget(widget);
    return box;
}

} // namespace

ResultPane::ResultPane(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("resultPane"));
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("resultTabs"));
    m_tabs->setDocumentMode(true);

    m_summary = new QPlainTextEdit(this);
    m_summary->setObjectName(QStringLiteral("resultView"));
    m_summary->setAccessibleName(tr("Result"));
    m_summary->setReadOnly(true);
    m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tabs->addTab(m_summary, tr("Summary"));

    m_treeModel = new JsonTreeModel(this);
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("resultTree"));
    m_tree->setAccessibleName(tr("Result tree"));
    m_tree->setModel(m_treeModel);
    m_tree->setUniformRowHeights(true); // a long list scrolls without measuring every row
    m_tree->header()->setSectionResizeMode(JsonTreeModel::ValueColumn, QHeaderView::Stretch);
    auto *copy = new QAction(tr("Copy as JSON"), m_tree);
    copy->setObjectName(QStringLiteral("copyAsJsonAction"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &ResultPane::copySelectionAsJson);
    m_tree->addAction(copy);
    m_tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_tabs->addTab(m_tree, tr("Result"));

    m_tableModel = new TableDisplayModel(this);
    m_sortedTable = new QSortFilterProxyModel(this);
    m_sortedTable->setSourceModel(m_tableModel);
    m_sortedTable->setSortRole(TableDisplayModel::SortRole);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("tableView"));
    m_table->setAccessibleName(tr("Table"));
    m_table->setModel(m_sortedTable);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the DataFrame's own order until a header is clicked
    m_tableShape = new QLabel(this);
    m_tableShape->setObjectName(QStringLiteral("tableShape"));
    m_tabs->addTab(column(this, {m_tableShape, m_table}), tr("Tables"));

    m_figureList = new QListWidget(this);
    m_figureList->setObjectName(QStringLiteral("figureList"));
    m_figureList->setMaximumHeight(60);
    m_figureList->setFlow(QListView::LeftToRight);
    connect(m_figureList, &QListWidget::currentRowChanged, this, &ResultPane::showFigure);
    m_figure = new QLabel(this);
    m_figure->setObjectName(QStringLiteral("figureView"));
    m_figure->setAlignment(Qt::AlignCenter);
    m_figureScroll = new QScrollArea(this);
    m_figureScroll->setWidget(m_figure);
    m_figureScroll->setWidgetResizable(true);
    m_figureScroll->viewport()->installEventFilter(this);
    m_actualSize = new QPushButton(tr("Actual size"), this);
    m_actualSize->setObjectName(QStringLiteral("figureActualSize"));
    m_actualSize->setCheckable(true); // off: the figure fits the pane
    connect(m_actualSize, &QPushButton::toggled, this, &ResultPane::scaleFigure);
    auto *save = new QPushButton(tr("Save figure…"), this);
    save->setObjectName(QStringLiteral("saveFigureButton"));
    connect(save, &QPushButton::clicked, this, &ResultPane::saveFigure);
    auto *buttons = new QWidget(this);
    auto *buttonRow = new QHBoxLayout(buttons);
    buttonRow->setContentsMargins(0, 0, 0, 0);
    buttonRow->addWidget(m_actualSize);
    buttonRow->addStretch();
    buttonRow->addWidget(save);
    m_tabs->addTab(column(this, {m_figureList, m_figureScroll, buttons}), tr("Figures"));

    m_traceback = new QListWidget(this);
    m_traceback->setObjectName(QStringLiteral("tracebackView"));
    m_traceback->setAccessibleName(tr("Traceback"));
    m_traceback->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const auto jump = [this](QListWidgetItem *item) {
        if (const int line = item->data(kLineRole).toInt(); line > 0)
            Q_EMIT jumpToLine(line);
    };
    connect(m_traceback, &QListWidget::itemClicked, this, jump);    // the mouse
    connect(m_traceback, &QListWidget::itemActivated, this, jump);  // Enter (and a style's double click)
    m_tabs->addTab(m_traceback, tr("Traceback"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    updateTabTitles();
}

void ResultPane::clear()
{
    m_summary->clear();
    m_treeModel->clear();
    m_tableModel->setTable({});
    m_tableShape->clear();
    m_pngs.clear();
    m_figureList->clear();
    m_figure->clear();
    m_figurePixmap = QPixmap();
    m_tableCount = 0;
    m_traceback->clear();
    updateTabTitles();
}

void ResultPane::showEnvelope(const ResultEnvelope &envelope, const QString &summary)
{
    clear();
    m_summary->setPlainText(summary);
    if (envelope.hasResult) {
        m_treeModel->setJson(envelope.result);
        m_tree->expand(m_treeModel->index(0, 0));
    }
    showTables(envelope);
    showFigures(envelope.displays);
    showTraceback(envelope);
    updateTabTitles();
    if (!m_tabs->isTabEnabled(m_tabs->currentIndex()))
        m_tabs->setCurrentIndex(m_traceback->count() > 0 ? TracebackTab : SummaryTab);
}

void ResultPane::showTables(const ResultEnvelope &envelope)
{
    QList<QJsonObject> tables = tableDisplays(envelope.displays);
    // A DataFrame returned as `result` is a table too (the same shape, tagged).
    const QJsonObject result = envelope.result.toObject();
    if (tables.isEmpty() && result.value(QStringLiteral("$type")) == QLatin1String("pandas.DataFrame"))
        tables.append(result);
    m_tableCount = int(tables.size());
    if (!tables.isEmpty() && m_tableModel->setTable(tables.first()))
        m_tableShape->setText(tables.size() > 1 ? tr("%1 — the first of %2 tables").arg(m_tableModel->shapeText()).arg(tables.size())
                                                : m_tableModel->shapeText());
}

void ResultPane::showTraceback(const ResultEnvelope &envelope)
{
    if (!envelope.error)
        return;
    const ErrorInfo &error = *envelope.error;
    // Innermost call last, as Python prints it; lines of the user's code can be clicked.
    for (const QJsonValue &value : error.frames) {
        const QJsonObject frame = value.toObject();
        const bool own = frame.value(QStringLiteral("file")).toString() == kSnippetFile;
        const int line = frame.value(QStringLiteral("line")).toInt();
        auto *item = new QListWidgetItem(
            own ? tr("line %1, in %2:  %3").arg(line).arg(frame.value(QStringLiteral("function")).toString(),
                                                         frame.value(QStringLiteral("text")).toString())
                : tr("%1, line %2, in %3").arg(frame.value(QStringLiteral("file")).toString()).arg(line)
                      .arg(frame.value(QStringLiteral("function")).toString()),
            m_traceback);
        if (own) {
            item->setData(kLineRole, line);
            item->setToolTip(tr("Show line %1 in the editor").arg(line));
        } else {
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
        }
    }
    // A syntax error has no frames, only the line Python reports.
    if (error.frames.isEmpty() && error.line > 0) {
        auto *item = new QListWidgetItem(tr("line %1").arg(error.line), m_traceback);
        item->setData(kLineRole, error.line);
    }
    auto *last = new QListWidgetItem(QStringLiteral("%1: %2").arg(error.type, error.message), m_traceback);
    QFont bold = last->font();
    bold.setBold(true);
    last->setFont(bold);
    if (error.line > 0)
        last->setData(kLineRole, error.line);
}

void ResultPane::showFigures(const QJsonArray &displays)
{
    for (const QJsonValue &display : displays) {
        const QString png = display.toObject().value(QStringLiteral("data")).toObject().value(QStringLiteral("image/png")).toString();
        if (png.isEmpty())
            continue;
        m_pngs.append(QByteArray::fromBase64(png.toLatin1()));
        m_figureList->addItem(tr("Figure %1").arg(m_pngs.size()));
    }
    m_figureList->setVisible(m_pngs.size() > 1); // a strip to choose from only when there is a choice
    if (!m_pngs.isEmpty())
        m_figureList->setCurrentRow(0);
}

void ResultPane::showFigure(int row)
{
    m_figurePixmap = QPixmap();
    if (row >= 0 && row < m_pngs.size() && m_figurePixmap.loadFromData(m_pngs.at(row), "PNG"))
        scaleFigure();
    else
        m_figure->setText(row >= 0 ? tr("This figure is not a readable PNG.") : QString());
}

void ResultPane::scaleFigure()
{
    if (m_figurePixmap.isNull())
        return;
    const QSize room = m_figureScroll->viewport()->size();
    const bool fit = !m_actualSize->isChecked() && (m_figurePixmap.width() > room.width() || m_figurePixmap.height() > room.height());
    m_figure->setPixmap(fit ? m_figurePixmap.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation) : m_figurePixmap);
}

bool ResultPane::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_figureScroll->viewport() && event->type() == QEvent::Resize)
        scaleFigure();
    return QWidget::eventFilter(watched, event);
}

void ResultPane::saveFigure()
{
    const int row = m_figureList->currentRow();
    if (row < 0 || row >= m_pngs.size())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save figure"), tr("figure-%1.png").arg(row + 1),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(m_pngs.at(row));
}

void ResultPane::copySelectionAsJson()
{
    const QModelIndex current = m_tree->currentIndex();
    const QModelIndex index = current.isValid() ? current : m_treeModel->index(0, 0);
    if (index.isValid())
        QApplication::clipboard()->setText(m_treeModel->jsonText(index.siblingAtColumn(0)));
}

void ResultPane::updateTabTitles()
{
    const bool hasResult = m_treeModel->rowCount() > 0;
    m_tabs->setTabEnabled(ResultTab, hasResult);
    m_tabs->setTabText(TablesTab, m_tableCount > 0 ? tr("Tables (%1)").arg(m_tableCount) : tr("Tables"));
    m_tabs->setTabEnabled(TablesTab, m_tableCount > 0);
    m_tabs->setTabText(FiguresTab, m_pngs.isEmpty() ? tr("Figures") : tr("Figures (%1)").arg(m_pngs.size()));
    m_tabs->setTabEnabled(FiguresTab, !m_pngs.isEmpty());
    m_tabs->setTabEnabled(TracebackTab, m_traceback->count() > 0);
}

} // namespace pysandbox
