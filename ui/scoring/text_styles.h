#pragma once
// Label colours shared by the scoring dialog and the jobs panel.
#include <QColor>
#include <QGuiApplication>
#include <QPalette>
#include <QString>

namespace gateau::ui {

inline constexpr const char* kErrorStyle = "color: #c62828;";
inline constexpr const char* kWarnStyle = "color: #a15c00;";

// Secondary text: the window text blended into the background (readable in light and dark themes).
inline QString mutedStyle() {
    const QPalette p = QGuiApplication::palette();
    const QColor t = p.color(QPalette::WindowText), w = p.color(QPalette::Window);
    const QColor m((t.red() * 58 + w.red() * 42) / 100, (t.green() * 58 + w.green() * 42) / 100,
                   (t.blue() * 58 + w.blue() * 42) / 100);
    return QStringLiteral("color: %1;").arg(m.name());
}

}  // namespace gateau::ui
