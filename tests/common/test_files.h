#pragma once
// Small helpers shared by the suites: write fixture files into a temporary folder.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>

namespace gateau::test {

inline std::string writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& bytes) {
    std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace gateau::test
