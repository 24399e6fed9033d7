#pragma once
// Every SQL statement the store runs, with whether the GUI thread ran it: install recordSql
// with db::setSqlObserver, then read sqlSeen under sqlMutex. For the tests that hold the GUI
// thread to "no SQL here".
#include <QCoreApplication>
#include <QList>
#include <QPair>
#include <QString>
#include <QThread>

#include <mutex>
#include <string_view>

namespace gateau::test {

inline std::mutex sqlMutex;
inline QList<QPair<bool, QString>> sqlSeen;  // (on the GUI thread, SQL)

inline void recordSql(std::string_view sql) {
    const bool gui = QThread::currentThread() == qApp->thread();
    std::lock_guard lock(sqlMutex);
    sqlSeen << qMakePair(gui, QString::fromUtf8(sql.data(), qsizetype(sql.size())));
}

}  // namespace gateau::test
