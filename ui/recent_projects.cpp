#include "ui/recent_projects.h"

#include <QFileInfo>
#include <QSettings>

namespace gateau::ui {

QStringList RecentProjects::list() { return QSettings().value("recentProjects").toStringList(); }

void RecentProjects::add(const QString& path) {
    QString abs = QFileInfo(path).absoluteFilePath();
    QStringList l = list();
    l.removeAll(abs);
    l.prepend(abs);
    while (l.size() > kMax) l.removeLast();
    QSettings().setValue("recentProjects", l);
}

void RecentProjects::remove(const QString& path) {
    QStringList l = list();
    l.removeAll(QFileInfo(path).absoluteFilePath());
    QSettings().setValue("recentProjects", l);
}

}  // namespace gateau::ui
