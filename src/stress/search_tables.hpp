// The checker's search tables: flat open-addressing sets that know their own memory use.
//
// Why not std::unordered_map: a profile of the first checker put ~40% of the time in its
// lookups and 25-30% in malloc/free (one node and one heap bitset per entry). Here an entry is a
// row of words in one arena and the index is a power-of-two array of (hash tag, row) slots with
// linear probing, so a lookup touches one slot and, only when the 32-bit tags agree, one row;
// nothing is allocated per entry. A dependency (abseil's flat_hash_map, ankerl's
// unordered_dense) would give the same probing but not the byte-exact accounting the memory
// budget needs, nor rows of a width fixed at run time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

namespace ftkit::stress {

/// Open-addressing index of uint32 ids by 64-bit hash (slot = tag << 32 | id + 1; 0 = empty).
/// The owner keeps the ids' hashes so the index can grow without the keys.
class HashIndex {
public:
    HashIndex() : slots_(kInitialSlots, 0) {}

    /// The id whose hash is `hash` and for which same(id) holds, or -1.
    template <typename Same>
    int64_t find(uint64_t hash, Same&& same) const {
        uint32_t tag = static_cast<uint32_t>(hash >> 32);
        size_t mask = slots_.size() - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            uint64_t slot = slots_[i];
            if (slot == 0) return -1;
            uint32_t id = static_cast<uint32_t>(slot) - 1;
            if (static_cast<uint32_t>(slot >> 32) == tag && same(id)) return id;
        }
    }
    /// Slots after adding one more id (the size grow() would pick), load factor at most 1/2.
    size_t slots_needed(size_t ids) const { return (ids + 1) * 2 > slots_.size() ? slots_.size() * 2 : slots_.size(); }
    void add(uint64_t hash, uint32_t id, const std::vector<uint64_t>& hashes) {
        if ((hashes.size() + 1) * 2 > slots_.size()) {
            std::vector<uint64_t> grown(slots_.size() * 2, 0);
            slots_.swap(grown);
            for (uint64_t slot : grown) {
                if (slot != 0) place(hashes[static_cast<uint32_t>(slot) - 1], static_cast<uint32_t>(slot) - 1);
            }
        }
        place(hash, id);
    }
    size_t bytes() const { return slots_.capacity() * 8; }
    void release() { std::vector<uint64_t>().swap(slots_); }

private:
    static constexpr size_t kInitialSlots = 32;
    void place(uint64_t hash, uint32_t id) {
        size_t mask = slots_.size() - 1;
        size_t i = hash & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = (hash & 0xffffffff00000000ULL) | (static_cast<uint64_t>(id) + 1);
    }
    std::vector<uint64_t> slots_;
};

/// Set of rows of `width` 64-bit words (fixed at construction) in one arena. insert() refuses
/// to grow past a byte limit instead of allocating, so the caller can stop with "unknown".
class RowSet {
public:
    enum class Insert { kAdded, kPresent, kFull };

    explicit RowSet(size_t width) : width_(width) {}

    Insert insert(const uint64_t* row, uint64_t hash, size_t limit_bytes) {
        auto same = [&](uint32_t id) { return std::memcmp(&rows_[id * width_], row, width_ * 8) == 0; };
        if (index_.find(hash, same) >= 0) return Insert::kPresent;
        size_t n = hashes_.size();
        if (n + 1 >= UINT32_MAX) return Insert::kFull;
        // Growth is by doubling; refuse it when the doubled tables would pass the limit.
        size_t rows = rows_.size() + width_ > rows_.capacity() ? std::max<size_t>(rows_.capacity() * 2, width_ * 32)
                                                                : rows_.capacity();
        size_t hashes = n + 1 > hashes_.capacity() ? std::max<size_t>(hashes_.capacity() * 2, 32) : hashes_.capacity();
        if ((rows + hashes + index_.slots_needed(n)) * 8 > limit_bytes) return Insert::kFull;
        rows_.reserve(rows);
        hashes_.reserve(hashes);
        rows_.insert(rows_.end(), row, row + width_);
        index_.add(hash, static_cast<uint32_t>(n), hashes_);
        hashes_.push_back(hash);
        return Insert::kAdded;
    }

    size_t size() const { return hashes_.size(); }
    size_t bytes() const { return (rows_.capacity() + hashes_.capacity()) * 8 + index_.bytes(); }
    void release() {
        std::vector<uint64_t>().swap(rows_);
        std::vector<uint64_t>().swap(hashes_);
        index_.release();
    }

private:
    size_t width_;
    std::vector<uint64_t> rows_;
    std::vector<uint64_t> hashes_;
    HashIndex index_;
};

/// Interns values of type T: equal values (by the given equality) get one small id, so the
/// search stores and compares ids instead of copying states (state interning).
template <typename T>
class Interner {
public:
    /// equal: empty for T's own ==, the fast path (no call through std::function).
    Interner(std::function<bool(const T&, const T&)> equal, std::function<uint64_t(const T&)> hash)
        : equal_(std::move(equal)), hash_(std::move(hash)) {}

    /// The id of value; a new value is moved in (so `value` may be left empty).
    uint32_t intern(T& value) {
        uint64_t h = mix(hash_(value));
        int64_t found = equal_ ? index_.find(h, [&](uint32_t id) { return equal_(values_[id], value); })
                               : index_.find(h, [&](uint32_t id) { return values_[id] == value; });
        if (found >= 0) return static_cast<uint32_t>(found);
        auto id = static_cast<uint32_t>(values_.size());
        bytes_ += value.capacity() * sizeof(typename T::value_type) + sizeof(T) + 8;
        index_.add(h, id, hashes_);
        hashes_.push_back(h);
        values_.push_back(std::move(value));
        return id;
    }
    const T& operator[](uint32_t id) const { return values_[id]; }
    size_t size() const { return values_.size(); }
    size_t bytes() const { return bytes_ + index_.bytes(); }

private:
    static uint64_t mix(uint64_t x) {  // splitmix64's finaliser: user hashes may be weak (identity)
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }
    std::function<bool(const T&, const T&)> equal_;
    std::function<uint64_t(const T&)> hash_;
    std::vector<T> values_;
    std::vector<uint64_t> hashes_;
    HashIndex index_;
    size_t bytes_ = 0;
};

}  // namespace ftkit::stress
