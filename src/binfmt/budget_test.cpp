// Work and memory budgets, their per-thread scopes, and the section index they make affordable.
#include "binfmt/budget.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>

#include "binfmt/binary_view.hpp"

using ftkit::binfmt::BinaryView;
using ftkit::binfmt::Budget;
using ftkit::binfmt::BudgetScope;
using ftkit::binfmt::Cancelled;
using ftkit::binfmt::Section;
using ftkit::binfmt::TooComplex;

TEST(Budget, WorkIsProportionalToTheInputAndRunsOut) {
    Budget b(1000);
    b.spend(Budget::kWorkFloor + 1000 * Budget::kWorkPerByte, "everything");
    EXPECT_EQ(b.work_spent(), Budget::kWorkFloor + 1000 * Budget::kWorkPerByte);
    try {
        b.spend(1, "one more lookup");
        FAIL() << "the budget did not run out";
    } catch (const TooComplex& e) {
        EXPECT_EQ(std::string(e.what()).rfind("unreadable: too complex (one more lookup", 0), 0u)
            << e.what();
    }
    Budget huge(~0ull);  // no overflow in the allowance
    huge.spend(~0ull / 2, "a lot");
}

TEST(Budget, MemoryCapScalesWithSizeUpTo256MiB) {
    EXPECT_EQ(Budget::memory_cap(0), Budget::kMemoryFloor);
    EXPECT_EQ(Budget::memory_cap(1 << 20), Budget::kMemoryFloor + (4u << 20));
    EXPECT_EQ(Budget::memory_cap(1ull << 40), 256ull << 20);
    EXPECT_EQ(Budget::memory_cap(~0ull), 256ull << 20);
    Budget b(0);
    b.hold(Budget::kMemoryFloor, "tables");
    EXPECT_THROW(b.hold(1, "one more name"), TooComplex);
}

TEST(Budget, CancellationIsNoticedOnTheNextCharge) {
    std::atomic<bool> cancel{false};
    Budget b(100, &cancel);
    b.spend(1, "work");
    cancel = true;
    EXPECT_THROW(b.spend(1, "work"), Cancelled);
    BudgetScope scope(b);
    EXPECT_THROW(ftkit::binfmt::check_cancelled(), Cancelled);
}

TEST(Budget, ScopesJoinTheActiveBudgetPerThread) {
    EXPECT_EQ(ftkit::binfmt::active_budget(), nullptr);
    ftkit::binfmt::spend(~0ull, "nothing active: free");  // no budget, no charge
    {
        BudgetScope outer(10);  // creates one
        Budget* own = ftkit::binfmt::active_budget();
        ASSERT_NE(own, nullptr);
        {
            BudgetScope inner(1'000'000);  // joins it rather than starting a fresh allowance
            EXPECT_EQ(ftkit::binfmt::active_budget(), own);
            ftkit::binfmt::spend(5, "work");
        }
        EXPECT_EQ(own->work_spent(), 5u);
        std::thread([] { EXPECT_EQ(ftkit::binfmt::active_budget(), nullptr); }).join();
    }
    EXPECT_EQ(ftkit::binfmt::active_budget(), nullptr);
}

// The index answers exactly what a first-match scan of the sections would, on random layouts
// full of overlaps, empty sections and ranges that reach the end of the address space.
TEST(SectionIndex, AgreesWithALinearScan) {
    std::mt19937_64 rng(7);
    std::vector<std::byte> bytes(4096);
    for (int layout = 0; layout < 300; ++layout) {
        BinaryView v;
        v.bytes = bytes;
        int n = 1 + static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            Section s;
            s.vaddr = rng() % 8 == 0 ? ~0ull - rng() % 64 : 0x1000 + (rng() % 64) * 16;
            s.file_size = rng() % 5 == 0 ? 0 : rng() % 512;
            s.size = s.file_size;
            s.file_offset = rng() % 4096;
            v.sections.push_back(s);
        }
        auto linear = [&](std::uint64_t addr) -> const Section* {
            for (const auto& s : v.sections)
                if (addr >= s.vaddr && addr - s.vaddr < s.file_size) return &s;
            return nullptr;
        };
        std::vector<std::uint64_t> probes;
        for (int k = 0; k < 200; ++k) probes.push_back(0xff0 + rng() % 1600);
        for (int k = 0; k < 50; ++k) probes.push_back(~0ull - rng() % 128);
        for (auto addr : probes) ASSERT_EQ(v.section_at(addr), linear(addr)) << "unindexed";
        v.index_sections();
        for (auto addr : probes) {
            ASSERT_EQ(v.section_at(addr), linear(addr)) << "layout " << layout << " addr " << addr;
            ASSERT_EQ(v.at(addr, 1).has_value(),
                      linear(addr) && linear(addr)->file_offset + (addr - linear(addr)->vaddr) <
                                          bytes.size());
        }
    }
}

// Thousands of sections over the same bytes cost a lookup O(log n), not O(n).
TEST(SectionIndex, StackedSectionsStayCheap) {
    BinaryView v;
    std::vector<std::byte> bytes(1 << 14);
    v.bytes = bytes;
    for (std::uint64_t i = 0; i < 60'000; ++i)
        v.sections.push_back({".d", 0x100000 + 0x4000 * i, 0x4000, 0, 0x4000, false});
    v.index_sections();
    Budget b(bytes.size());
    BudgetScope scope(b);
    for (std::uint64_t i = 0; i < 60'000; ++i) ASSERT_TRUE(v.at(0x100000 + 0x4000 * i + 8, 8));
    EXPECT_EQ(b.work_spent(), 60'000u);  // one unit per lookup: no scan
}

// The modules of one input share its allowance: each module's floor does not multiply the work.
TEST(Budget, ModulesOfOneInputShareItsAllowance) {
    ftkit::binfmt::InputAllowance input(0);  // one floor for the whole input
    int refused = 0;
    for (int module = 0; module < 4; ++module) {
        Budget b(0, nullptr, &input);  // each alone may spend a floor
        try {
            b.spend(Budget::kWorkFloor / 2, "half a floor");
            b.settle();
        } catch (const TooComplex& e) {
            ++refused;
        }
    }
    EXPECT_EQ(refused, 2);  // two halves fit the input's one floor; the rest are refused
    input.add(1000);
    EXPECT_THROW(input.take(1, "more"), TooComplex);  // still overdrawn
}
