#include "ui/plots/plot_export.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>

namespace gateau::ui {
namespace {

bool exportSvg(QCustomPlot* plot, const QString& path, QString* error) {
    const int w = plot->width();
    const int h = plot->height();
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(QSize(w, h));
    generator.setViewBox(QRect(0, 0, w, h));
    generator.setTitle(QStringLiteral("Gateau Workbench plot"));
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        if (error) *error = QStringLiteral("Cannot write %1").arg(path);
        return false;
    }
    plot->toPainter(&painter, w, h);
    painter.end();
    // QSvgGenerator reports an unwritable file only through a warning, so check the result.
    if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0) {
        if (error) *error = QStringLiteral("Cannot write %1").arg(path);
        return false;
    }
    return true;
}

}  // namespace

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error) {
    if (!plot) {
        if (error) *error = QStringLiteral("No plot to export");
        return false;
    }
    const QString ext = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (ext == QLatin1String("png")) {
        ok = plot->savePng(path, 0, 0, 2.0);
    } else if (ext == QLatin1String("pdf")) {
        ok = plot->savePdf(path);
    } else if (ext == QLatin1String("svg")) {
        return exportSvg(plot, path, error);
    } else {
        if (error) {
            *error = ext.isEmpty()
                         ? QStringLiteral("No file extension in %1; use .png, .svg or .pdf").arg(path)
                         : QStringLiteral("Unsupported format \".%1\"; use .png, .svg or .pdf").arg(ext);
        }
        return false;
    }
    if (!ok && error) *error = QStringLiteral("Cannot write %1").arg(path);
    return ok;
}

void exportPlotInteractively(QCustomPlot* plot, QWidget* dialogParent) {
    const QString png = QStringLiteral("PNG image (*.png)");
    const QString svg = QStringLiteral("SVG vector image (*.svg)");
    const QString pdf = QStringLiteral("PDF document (*.pdf)");
    QString filter = png;
    QString path = QFileDialog::getSaveFileName(dialogParent, QStringLiteral("Export plot"),
                                                QStringLiteral("plot.png"),
                                                png + QStringLiteral(";;") + svg + QStringLiteral(";;") + pdf,
                                                &filter);
    if (path.isEmpty()) return;
    // Some platform dialogs do not append the extension of the chosen filter.
    if (QFileInfo(path).suffix().isEmpty()) {
        path += filter == svg ? QStringLiteral(".svg") : filter == pdf ? QStringLiteral(".pdf") : QStringLiteral(".png");
    }
    QString error;
    if (!exportPlot(plot, path, &error)) {
        QMessageBox::warning(dialogParent, QStringLiteral("Export plot"), error);
    }
}

void installPlotContextMenu(QCustomPlot* plot, std::function<void(QMenu*)> addActions) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot,
                     [plot, addActions = std::move(addActions)](const QPoint& pos) {
                         QMenu menu(plot);
                         if (addActions) {
                             addActions(&menu);
                             if (!menu.isEmpty()) menu.addSeparator();
                         }
                         menu.addAction(QStringLiteral("Export plot\u2026"), plot,
                                        [plot] { exportPlotInteractively(plot, plot); });
                         menu.exec(plot->mapToGlobal(pos));
                     });
}

}  // namespace gateau::ui
