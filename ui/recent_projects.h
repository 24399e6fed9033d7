#pragma once
#include <QStringList>

namespace gateau::ui {

// Most-recently-used project files, kept in QSettings ("recentProjects"), newest first.
class RecentProjects {
public:
    static QStringList list();
    static void add(const QString& path);
    static void remove(const QString& path);
    static constexpr int kMax = 10;
};

}  // namespace gateau::ui
