#include "ui/shortcut_sheet.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QMenu>
#include <QMenuBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace gateau::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ShortcutSheet", text); }

QString plain(QString text) { return text.remove(QLatin1Char('&')).remove(QStringLiteral("...")).remove(QChar(0x2026)); }

QString keys(const QList<QKeySequence>& seqs) {
    QStringList out;
    for (const QKeySequence& k : seqs) out << k.toString(QKeySequence::NativeText).toHtmlEscaped();
    return out.join(QStringLiteral(" or "));
}

void addMenu(QString& html, const QMenu* menu) {
    QString rows;
    for (const QAction* a : menu->actions()) {
        if (a->menu()) addMenu(html, a->menu());
        if (a->isSeparator() || a->shortcuts().isEmpty()) continue;
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(keys(a->shortcuts()), plain(a->text()).toHtmlEscaped());
    }
    if (!rows.isEmpty()) html += QStringLiteral("<tr><td colspan=2><h4>%1</h4></td></tr>").arg(plain(menu->title())) + rows;
}

}  // namespace

QString shortcutSheetHtml(const QMenuBar* menus) {
    QString html = QStringLiteral("<table cellspacing=0 cellpadding=3>");
    for (const QAction* a : menus->actions())
        if (a->menu()) addMenu(html, a->menu());
    const std::pair<const char*, const char*> widgetKeys[] = {
        {"Up / Down, Page Up / Page Down", "move the current row in the table"},
        {"Shift+click, Ctrl+click", "highlight several rows; K, D and C apply to all highlighted rows"},
        {"K, D, C on a sample another annotator decided",
         "adjudicate it (a merged project, Sample > Adjudication Queue); C withdraws the adjudication"},
        {"Enter (note field)", "save the note (leaving the field or the row saves it too)"},
        {"Escape (note field)", "throw the edit away and show the stored note"},
        {"Enter (search field)", "search the conversations"},
        {"Drag in a plot", "brush: highlight the samples in the table"},
        {"Ctrl+drag, wheel, double-click in a plot", "pan, zoom, reset the view"},
    };
    html += QStringLiteral("<tr><td colspan=2><h4>%1</h4></td></tr>").arg(tr("Table, fields and plots"));
    for (const auto& [k, what] : widgetKeys)
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(tr(k).toHtmlEscaped(), tr(what).toHtmlEscaped());
    return html + QStringLiteral("</table>");
}

void showShortcutSheet(const QMenuBar* menus, QWidget* parent) {
    auto* d = new QDialog(parent);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->setObjectName(QStringLiteral("shortcutSheet"));
    d->setWindowTitle(tr("Keyboard shortcuts"));
    auto* text = new QTextBrowser(d);
    text->setHtml(shortcutSheetHtml(menus));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, d);
    QObject::connect(buttons, &QDialogButtonBox::rejected, d, &QDialog::close);
    auto* l = new QVBoxLayout(d);
    l->addWidget(text);
    l->addWidget(buttons);
    d->resize(560, 620);
    d->show();
}

}  // namespace gateau::ui
