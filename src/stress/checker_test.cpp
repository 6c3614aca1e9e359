// The checker on hand-written histories: linearizable ones, known violations, budget, keys.
#include "stress/checker.hpp"

#include <gtest/gtest.h>

#include <random>

namespace ftkit::stress {
namespace {

CheckResult check_text(const char* model_name, const char* text, CheckOptions options = {}) {
    Model model = builtin_model(model_name);
    return check(parse_history(text, model.kind_code), model, options);
}

TEST(Checker, EmptyHistoryIsLinearizable) {
    EXPECT_EQ(check_text("register", "").verdict, Verdict::kOk);
}

TEST(Checker, RegisterReadOverlappingWriteMaySeeEitherValue) {
    const char* old_value = "0 write 1 - 0 10\n1 read - 0 5 15\n";
    const char* new_value = "0 write 1 - 0 10\n1 read - 1 5 15\n";
    EXPECT_EQ(check_text("register", old_value).verdict, Verdict::kOk);
    EXPECT_EQ(check_text("register", new_value).verdict, Verdict::kOk);
}

TEST(Checker, RegisterStaleReadAfterWriteReturnedIsIllegal) {
    // The read starts after the write returned, so it must see 1.
    auto r = check_text("register", "0 write 1 - 0 10\n1 read - 0 11 15\n");
    EXPECT_EQ(r.verdict, Verdict::kIllegal);
    EXPECT_EQ(r.failing_part.size(), 2u);
    EXPECT_EQ(r.longest_prefix, (std::vector<uint32_t>{0}));
    EXPECT_NE(std::find(r.window.begin(), r.window.end(), 1u), r.window.end());
}

TEST(Checker, ClosedIntervalsTouchingEndpointsOverlap) {
    // write returns at 10, read is called at 10: concurrent, so the old value is allowed.
    EXPECT_EQ(check_text("register", "0 write 1 - 0 10\n1 read - 0 10 15\n").verdict, Verdict::kOk);
}

TEST(Checker, RegisterNewOldInversionIsIllegal) {
    // Two sequential reads by thread 1 overlap the write; seeing new then old is impossible.
    const char* text =
        "0 write 1 - 0 100\n"
        "1 read - 1 10 20\n"
        "1 read - 0 30 40\n";
    EXPECT_EQ(check_text("register", text).verdict, Verdict::kIllegal);
}

TEST(Checker, QueueFifoOrderIsChecked) {
    const char* fifo =
        "0 enq 1 - 0 10\n0 enq 2 - 11 20\n"
        "1 deq - 1 21 30\n1 deq - 2 31 40\n";
    const char* lifo =
        "0 enq 1 - 0 10\n0 enq 2 - 11 20\n"
        "1 deq - 2 21 30\n1 deq - 1 31 40\n";
    EXPECT_EQ(check_text("queue", fifo).verdict, Verdict::kOk);
    EXPECT_EQ(check_text("queue", lifo).verdict, Verdict::kIllegal);
}

TEST(Checker, QueueConcurrentEnqueuesMayDequeueInEitherOrder) {
    const char* text =
        "0 enq 1 - 0 10\n1 enq 2 - 0 10\n"
        "2 deq - 2 11 20\n2 deq - 1 21 30\n2 deq - - 31 40\n";
    EXPECT_EQ(check_text("queue", text).verdict, Verdict::kOk);
}

TEST(Checker, QueueDuplicateDequeueIsIllegal) {
    const char* text = "0 enq 7 - 0 10\n1 deq - 7 11 20\n2 deq - 7 11 20\n";
    EXPECT_EQ(check_text("queue", text).verdict, Verdict::kIllegal);
}

TEST(Checker, SetBothAddsSucceedingIsIllegal) {
    // Two concurrent add(5) cannot both report "added": the lost-insert race of a racy set.
    EXPECT_EQ(check_text("set", "0 add 5 1 0 10\n1 add 5 1 0 10\n").verdict, Verdict::kIllegal);
    EXPECT_EQ(check_text("set", "0 add 5 1 0 10\n1 add 5 0 0 10\n").verdict, Verdict::kOk);
}

TEST(Checker, CounterLostUpdateIsIllegal) {
    // Two increments both saw 0, and a later get saw 1: an update was lost.
    const char* text = "0 inc - 0 0 10\n1 inc - 0 0 10\n0 get - 1 20 30\n";
    EXPECT_EQ(check_text("counter", text).verdict, Verdict::kIllegal);
}

TEST(Checker, KeysPartitionTheHistory) {
    // Key 1 is fine, key 2 has a stale read: illegal, and the failing part is key 2's.
    const char* text =
        "0 write 1 - 0 10 1\n1 read - 1 11 20 1\n"
        "0 write 5 - 30 40 2\n1 read - 0 41 50 2\n";
    auto r = check_text("register", text);
    EXPECT_EQ(r.verdict, Verdict::kIllegal);
    EXPECT_EQ(r.partitions, 2u);
    EXPECT_EQ(r.failing_part, (std::vector<uint32_t>{2, 3}));
}

TEST(Checker, RunsOutOfBudgetAsUnknown) {
    // Thread 2 reads 1, 2, 1 while both writes are in flight: 1 after 2 needs write(1) last,
    // and then 2 can never come back.
    const char* text =
        "0 write 1 - 0 100\n1 write 2 - 0 100\n"
        "2 read - 1 10 20\n2 read - 2 30 40\n2 read - 1 50 60\n";
    CheckOptions tiny;
    tiny.max_steps = 2;
    EXPECT_EQ(check_text("register", text, tiny).verdict, Verdict::kUnknown);
    EXPECT_EQ(check_text("register", text).verdict, Verdict::kIllegal);
}

TEST(Checker, MemoisationPrunesWideConcurrentReads) {
    // 16 overlapping reads of the initial value: 16! orders, but only 2^16 configurations.
    History h;
    for (int t = 0; t < 16; ++t) h.add({0, t, 1, kNone, 0, 0, false, 0, 100});
    Model model = builtin_model("register");
    auto r = check(h, model);
    EXPECT_EQ(r.verdict, Verdict::kOk);
    EXPECT_LT(r.steps, 20'000u);
}

TEST(Checker, GeneratedLinearizableRegisterHistoriesPass) {
    // Simulate an atomic register: each op takes effect at a random instant inside its interval.
    std::mt19937_64 rng(42);
    for (int round = 0; round < 20; ++round) {
        struct Pending { Operation op; uint64_t at; };
        std::vector<Pending> pending;
        for (int t = 0; t < 4; ++t) {
            uint64_t clock = rng() % 5;
            for (int i = 0; i < 10; ++i) {
                Operation op;
                op.thread = t;
                op.kind = static_cast<int>(rng() % 2);
                op.input = op.kind == 0 ? static_cast<int64_t>(rng() % 3) : kNone;
                op.call = clock;
                op.ret = clock + 1 + rng() % 20;
                pending.push_back({op, op.call + rng() % (op.ret - op.call + 1)});
                clock = op.ret + 1 + rng() % 3;
            }
        }
        std::sort(pending.begin(), pending.end(), [](auto& a, auto& b) { return a.at < b.at; });
        int64_t value = 0;
        History h;
        for (auto& p : pending) {
            if (p.op.kind == 0) value = p.op.input; else p.op.output = value;
            h.add(p.op);
        }
        EXPECT_EQ(check(h, builtin_model("register")).verdict, Verdict::kOk) << "round " << round;
    }
}

TEST(History, ParseErrorsNameTheLine) {
    Model model = builtin_model("register");
    try {
        parse_history("0 write 1 - 0 10\n0 jump 1 - 0 10\n", model.kind_code);
        FAIL() << "expected a parse error";
    } catch (const HistoryParseError& e) {
        EXPECT_EQ(e.line(), 2u);
    }
    EXPECT_THROW(parse_history("0 write 1 - 10 0\n", model.kind_code), HistoryParseError);
    EXPECT_THROW(parse_history("0 write 1 -\n", model.kind_code), HistoryParseError);
    EXPECT_THROW(parse_history("x write 1 - 0 1\n", model.kind_code), HistoryParseError);
}

TEST(Models, UnknownNameThrows) {
    EXPECT_THROW(builtin_model("stack"), std::invalid_argument);
}

}  // namespace
}  // namespace ftkit::stress
