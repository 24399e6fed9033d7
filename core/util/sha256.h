#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace gateau::util {

// Incremental SHA-256 (OpenSSL EVP: uses the CPU's SHA extensions when present).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t len);
    std::string hexDigest();  // finalises; call once

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of a whole file; throws std::runtime_error naming the file on I/O failure.
std::string sha256File(const std::string& path);

}  // namespace gateau::util
