#pragma once
// MainWindow::openProject runs on the task runner: tests wait for its report.
#include "ui/main_window.h"

#include <QSignalSpy>
#include <QString>

namespace gateau::test {

// Opens `path` and waits for the window to report; the error, or an empty string once the
// window shows the project. "timed out" when no report came in `ms`.
inline QString openProjectAndWait(ui::MainWindow& w, const QString& path, bool create = false, int ms = 30000) {
    QSignalSpy opened(&w, &ui::MainWindow::projectOpened);
    w.openProject(path, create);
    if (opened.isEmpty() && !opened.wait(ms)) return QStringLiteral("timed out");
    return opened.constLast().at(1).toString();
}

inline bool openProjectOk(ui::MainWindow& w, const QString& path, bool create = false) {
    return openProjectAndWait(w, path, create).isEmpty();
}

}  // namespace gateau::test
