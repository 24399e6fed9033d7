#pragma once
// Saving a plot to disk, and the right-click menu every plot widget shares.

#include <QString>

#include <functional>

class QCustomPlot;
class QMenu;
class QWidget;

namespace gateau::ui {

// Writes `plot` at its current size to `path`; the format follows the extension
// (case-insensitive): .png (rendered at 2x for high-DPI screens and slides), .svg, .pdf.
// Returns false and fills *error (when given) for an unknown extension or a failed write.
bool exportPlot(QCustomPlot* plot, const QString& path, QString* error);

// Lets the user pick a file and exports to it; reports failures in a message box.
void exportPlotInteractively(QCustomPlot* plot, QWidget* dialogParent);

// Gives `plot` a context menu: whatever `addActions` puts in first, then "Export plot…".
void installPlotContextMenu(QCustomPlot* plot, std::function<void(QMenu*)> addActions = {});

}  // namespace gateau::ui
