#pragma once
// EXPECT_ERROR(expr, "part", ...): expr must throw a ModelError whose message holds every part.
#include <QtTest>

#include <functional>
#include <string>

#include "core/model/config.h"

namespace gateau::testing {

inline std::string modelErrorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const model::ModelError& e) {
        return e.what();
    }
    return {};
}

}  // namespace gateau::testing

#define EXPECT_ERROR(expr, ...)                                                         \
    do {                                                                                \
        const std::string msg_ = gateau::testing::modelErrorOf([&] { (void)(expr); });  \
        QVERIFY2(!msg_.empty(), "expected a ModelError from " #expr);                   \
        for (const char* part_ : {__VA_ARGS__})                                         \
            QVERIFY2(msg_.find(part_) != std::string::npos,                             \
                     qPrintable(QString("'%1' lacks '%2'").arg(msg_.c_str(), part_)));  \
    } while (0)
