#pragma once
// The shortcut sheet (Help > Keyboard Shortcuts, F1 or ?): every key of the window, read from
// the menu bar's actions so that it cannot fall behind them, plus the keys that widgets handle
// themselves (table navigation, the note editor, the plots).
#include <QString>

class QMenuBar;
class QWidget;

namespace gateau::ui {

// HTML table: one row per action with a shortcut, grouped by menu, then the widget keys.
QString shortcutSheetHtml(const QMenuBar* menus);
void showShortcutSheet(const QMenuBar* menus, QWidget* parent);

}  // namespace gateau::ui
