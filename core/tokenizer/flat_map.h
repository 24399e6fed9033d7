#pragma once
// Open-addressing hash tables for the two hot lookups (token -> id, merge pair -> rank). The node
// based std::unordered_map made loading a 128k-vocab / 280k-merge file take most of a second.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateau::tok {

inline size_t tableSizeFor(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    return cap;
}

// token text -> id; looked up by string_view without allocating.
class TokenIdMap {
public:
    void reserve(size_t n) {
        entries_.reserve(n);
        rehash(tableSizeFor(n));
    }
    // Inserts or overwrites.
    void set(std::string key, int32_t id) {
        if ((entries_.size() + 1) * 2 > slots_.size()) rehash(tableSizeFor(entries_.size() + 1));
        size_t i = find(key);
        if (slots_[i] >= 0) {
            entries_[slots_[i]].second = id;
            return;
        }
        slots_[i] = static_cast<int32_t>(entries_.size());
        entries_.emplace_back(std::move(key), id);
    }
    const int32_t* get(std::string_view key) const {
        if (slots_.empty()) return nullptr;
        const int32_t e = slots_[find(key)];
        return e >= 0 ? &entries_[e].second : nullptr;
    }
    const std::vector<std::pair<std::string, int32_t>>& entries() const { return entries_; }

private:
    size_t find(std::string_view key) const {
        const size_t mask = slots_.size() - 1;
        for (size_t i = std::hash<std::string_view>{}(key) & mask;; i = (i + 1) & mask)
            if (slots_[i] < 0 || entries_[slots_[i]].first == key) return i;
    }
    void rehash(size_t cap) {
        slots_.assign(cap, -1);
        const size_t mask = cap - 1;
        for (size_t e = 0; e < entries_.size(); ++e) {
            size_t i = std::hash<std::string_view>{}(entries_[e].first) & mask;
            while (slots_[i] >= 0) i = (i + 1) & mask;
            slots_[i] = static_cast<int32_t>(e);
        }
    }
    std::vector<std::pair<std::string, int32_t>> entries_;
    std::vector<int32_t> slots_;
};

// (left id, right id) -> (rank, merged id).
class MergeMap {
public:
    struct Value {
        int32_t rank;
        int32_t newId;
    };
    void reserve(size_t n) { rehash(tableSizeFor(n)); }
    void set(int32_t a, int32_t b, Value v) {
        if ((size_ + 1) * 2 > slots_.size()) rehash(tableSizeFor(size_ + 1));
        Slot& s = slots_[find(key(a, b))];
        if (s.key == kEmpty) ++size_;
        s = Slot{key(a, b), v};
    }
    const Value* get(int32_t a, int32_t b) const {
        if (slots_.empty()) return nullptr;
        const Slot& s = slots_[find(key(a, b))];
        return s.key == kEmpty ? nullptr : &s.value;
    }

private:
    static constexpr uint64_t kEmpty = ~uint64_t(0);  // ids are non-negative, so no real key is all ones
    struct Slot {
        uint64_t key = kEmpty;
        Value value{};
    };
    static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
    // splitmix64 finalizer: every bit of both ids reaches the low bits used as the slot index.
    static size_t hash(uint64_t k) {
        k ^= k >> 30;
        k *= 0xBF58476D1CE4E5B9ull;
        k ^= k >> 27;
        k *= 0x94D049BB133111EBull;
        return size_t(k ^ (k >> 31));
    }
    size_t find(uint64_t k) const {
        const size_t mask = slots_.size() - 1;
        for (size_t i = hash(k) & mask;; i = (i + 1) & mask)
            if (slots_[i].key == kEmpty || slots_[i].key == k) return i;
    }
    void rehash(size_t cap) {
        std::vector<Slot> old;
        old.swap(slots_);
        slots_.assign(cap, Slot{});
        for (const Slot& s : old)
            if (s.key != kEmpty) slots_[find(s.key)] = s;
    }
    std::vector<Slot> slots_;
    size_t size_ = 0;
};

}  // namespace gateau::tok
