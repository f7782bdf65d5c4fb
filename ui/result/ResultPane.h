#pragma once

#include "execution/ResultEnvelope.h"

#include <QPixmap>
#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTreeView;

namespace pysandbox {

class JsonTreeModel;
class TableDisplayModel;

// What a run gave, in tabs: the summary (verdict, result, error, engine, usage), the result as
// a collapsible tree with copy-as-JSON, DataFrame tables (sortable, with dtypes and shape) and
// figures (fit to the pane, or at 100 %; saved as PNG).
class ResultPane final : public QWidget
{
    Q_OBJECT
public:
    explicit ResultPane(QWidget *parent = nullptr);

    void clear();
    void showEnvelope(const ResultEnvelope &envelope, const QString &summary);

public Q_SLOTS:
    void copySelectionAsJson();

Q_SIGNALS:
    // A traceback line of the user's own code was clicked (1-based).
    void jumpToLine(int line);

protected:
    // The figure fits its viewport, whose size is known only once its tab is shown.
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void showTables(const ResultEnvelope &envelope);
    void showTraceback(const ResultEnvelope &envelope);
    void showFigures(const QJsonArray &displays);
    void showFigure(int row);
    void scaleFigure();
    void saveFigure();
    void updateTabTitles();

    QTabWidget *m_tabs = nullptr;
    QPlainTextEdit *m_summary = nullptr;
    QTreeView *m_tree = nullptr;
    JsonTreeModel *m_treeModel = nullptr;
    QTableView *m_table = nullptr;
    TableDisplayModel *m_tableModel = nullptr;
    QSortFilterProxyModel *m_sortedTable = nullptr;
    QLabel *m_tableShape = nullptr;
    QListWidget *m_figureList = nullptr;
    QLabel *m_figure = nullptr;
    QScrollArea *m_figureScroll = nullptr;
    QPushButton *m_actualSize = nullptr;
    QPixmap m_figurePixmap;
    QListWidget *m_traceback = nullptr;
    QList<QByteArray> m_pngs;
    int m_tableCount = 0;
};

} // namespace pysandbox
