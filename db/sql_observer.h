#pragma once
// Test hook: called on the calling thread with the SQL of every statement prepared, every
// Database::exec() and "open PATH" for every connection opened (null: none, the default).
// The GUI's tests install one to prove which work stays off the GUI thread.
#include <string_view>

namespace gateau::db {

using SqlObserver = void (*)(std::string_view sql);
void setSqlObserver(SqlObserver observer);

}  // namespace gateau::db
