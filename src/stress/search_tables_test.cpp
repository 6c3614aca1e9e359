// The checker's flat tables: set semantics under growth, the byte limit, interning by equality.
#include "stress/search_tables.hpp"

#include <gtest/gtest.h>

namespace ftkit::stress {
namespace {

uint64_t weak_hash(uint64_t x) { return x % 7; }  // many collisions: probing must still be exact

TEST(RowSet, AddsOnceAndFindsAfterGrowth) {
    RowSet set(3);
    for (uint64_t i = 0; i < 5000; ++i) {
        uint64_t row[3] = {i, i * 3, ~i};
        ASSERT_EQ(set.insert(row, weak_hash(i) << 40 | i, SIZE_MAX), RowSet::Insert::kAdded) << i;
    }
    for (uint64_t i = 0; i < 5000; ++i) {
        uint64_t row[3] = {i, i * 3, ~i};
        ASSERT_EQ(set.insert(row, weak_hash(i) << 40 | i, SIZE_MAX), RowSet::Insert::kPresent) << i;
    }
    EXPECT_EQ(set.size(), 5000u);
}

TEST(RowSet, RefusesToGrowPastTheLimit) {
    RowSet set(4);
    size_t limit = 64 << 10, added = 0;
    for (uint64_t i = 0;; ++i) {
        uint64_t row[4] = {i, 0, 0, 0};
        auto r = set.insert(row, i * 0x9e3779b97f4a7c15ULL, limit);
        if (r == RowSet::Insert::kFull) break;
        ++added;
    }
    EXPECT_GT(added, 100u);
    EXPECT_LE(set.bytes(), limit);
    EXPECT_EQ(set.size(), added);  // a refused row left nothing behind
}

TEST(Interner, EqualValuesShareAnId) {
    // Equality modulo 10: 3 and 13 are one state.
    Interner<std::vector<int64_t>> states([](const auto& a, const auto& b) { return a[0] % 10 == b[0] % 10; },
                                          [](const auto& s) { return static_cast<uint64_t>(s[0] % 10); });
    std::vector<int64_t> a{3}, b{13}, c{4};
    uint32_t ia = states.intern(a), ib = states.intern(b), ic = states.intern(c);
    EXPECT_EQ(ia, ib);
    EXPECT_NE(ia, ic);
    EXPECT_EQ(states.size(), 2u);
    EXPECT_EQ(states[ia], std::vector<int64_t>{3});  // the first representative is kept
}

}  // namespace
}  // namespace ftkit::stress
