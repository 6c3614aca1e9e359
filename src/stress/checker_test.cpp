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
    for (int t = 0; t < 16; ++t) {
        Operation op;
        op.thread = t;
        op.kind = 1;
        op.output = 0;
        op.ret = 100;
        h.add(op);
    }
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

/// Key 0: `wide` writers of distinct values and `wide` readers of them, all concurrent, and one
/// read of a value nobody wrote: illegal, but only after trying the subsets of the others,
/// about 2^(2 wide) configurations. Key 1 (a later key, two ops): a stale read, illegal at once.
std::string hard_key_then_illegal_key(int wide) {
    std::string text;
    for (int t = 0; t < wide; ++t) {
        text += std::to_string(t) + " write " + std::to_string(t + 1) + " - 0 1000 0\n";
        text += std::to_string(wide + t) + " read - " + std::to_string(t + 1) + " 0 1000 0\n";
    }
    text += std::to_string(2 * wide) + " read - 999 0 1000 0\n";
    text += "0 write 5 - 2000 2010 1\n1 read - 0 2020 2030 1\n";
    return text;
}

TEST(Checker, IllegalSmallPartIsFoundBeforeAHugeOneIsExhausted) {
    CheckOptions options;
    options.max_steps = 100'000;
    auto r = check_text("register", hard_key_then_illegal_key(14).c_str(), options);
    EXPECT_EQ(r.verdict, Verdict::kIllegal);
    EXPECT_EQ(r.failing_part.size(), 2u);
    EXPECT_LT(r.steps, 10'000u);  // smallest part first: it never waited for key 0
}

TEST(Checker, UndecidedPartNeverHidesAnIllegalOne) {
    // Even when the budget runs out on key 0 first, key 1 gets its turn in the same round.
    CheckOptions options;
    options.max_steps = 50;
    options.quantum = 1;
    auto r = check_text("register", hard_key_then_illegal_key(14).c_str(), options);
    EXPECT_EQ(r.verdict, Verdict::kIllegal);
}

TEST(Checker, MemoryBudgetEndsInUnknownWithTheReason) {
    CheckOptions options;
    options.max_memory = 256 << 10;
    options.max_steps = UINT64_MAX;
    std::string hard = hard_key_then_illegal_key(12);
    hard = hard.substr(0, hard.find("0 write 5"));  // key 0 alone: 2^24 configurations, 256 KiB
    auto r = check_text("register", hard.c_str(), options);
    EXPECT_EQ(r.verdict, Verdict::kUnknown);
    EXPECT_NE(r.reason.find("memory budget"), std::string::npos) << r.reason;
    EXPECT_LE(r.peak_memory, options.max_memory);
    EXPECT_EQ(r.partitions_unknown, 1u);
}

TEST(Checker, StepBudgetReasonNamesTheBudget) {
    CheckOptions tiny;
    tiny.max_steps = 2;
    auto r = check_text("register", "0 write 1 - 0 100\n1 write 2 - 0 100\n2 read - 1 10 20\n", tiny);
    EXPECT_EQ(r.verdict, Verdict::kUnknown);
    EXPECT_NE(r.reason.find("step budget of 2"), std::string::npos) << r.reason;
}

TEST(Models, CompareAndSetOutcomes) {
    Model model = builtin_model("cas-register");
    auto op = [](int kind, int64_t in, int64_t in2, int64_t out, uint64_t call, uint64_t ret) {
        Operation o;
        o.kind = kind;
        o.input = in;
        o.input2 = in2;
        o.output = out;
        o.call = call;
        o.ret = ret;
        return o;
    };
    History ok, bad;
    for (auto o : {op(1, 1, kNone, kNone, 0, 1), op(2, 1, 2, 1, 2, 3), op(2, 1, 3, 0, 4, 5), op(0, kNone, kNone, 2, 6, 7)})
        ok.add(o);
    EXPECT_EQ(check(ok, model).verdict, Verdict::kOk);
    for (auto o : {op(1, 1, kNone, kNone, 0, 1), op(2, 1, 2, 1, 2, 3), op(2, 2, 3, 0, 4, 5)}) bad.add(o);
    EXPECT_EQ(check(bad, model).verdict, Verdict::kIllegal);  // value was 2: cas(2, 3) must succeed
}

TEST(Models, KvAppendStrings) {
    Model model = builtin_model("kv");
    auto op = [](int kind, std::string in, std::string out, uint64_t call, uint64_t ret, int64_t key) {
        Operation o;
        o.kind = kind;
        o.text_in = std::move(in);
        o.text_out = std::move(out);
        o.call = call;
        o.ret = ret;
        o.key = key;
        o.keyed = true;
        return o;
    };
    History h;
    h.add(op(2, "x 1 y", "", 0, 10, 0));
    h.add(op(2, "x 2 y", "", 0, 10, 0));
    h.add(op(0, "", "x 2 yx 1 y", 11, 12, 0));
    h.add(op(1, "a", "", 0, 1, 1));
    EXPECT_EQ(check(h, model).verdict, Verdict::kOk);
    h.add(op(0, "", "x 1 y", 13, 14, 0));
    EXPECT_EQ(check(h, model).verdict, Verdict::kIllegal);
}

TEST(Models, UnknownOutcomeMayOrMayNotTakeEffect) {
    // write(1) crashed (unknown, never returned): a later read may see 0 or 1, and then not 0 again.
    EXPECT_EQ(check_text("register", "0 write 1 ? 0 -\n1 read - 0 5 6\n1 read - 1 7 8\n").verdict, Verdict::kOk);
    EXPECT_EQ(check_text("register", "0 write 1 ? 0 -\n1 read - 0 5 6\n").verdict, Verdict::kOk);
    EXPECT_EQ(check_text("register", "0 write 1 ? 0 -\n1 read - 1 5 6\n1 read - 0 7 8\n").verdict,
              Verdict::kIllegal);
    // A read that timed out constrains nothing.
    EXPECT_EQ(check_text("register", "0 write 1 - 0 1\n1 read - ? 5 -\n").verdict, Verdict::kOk);
}

TEST(Models, NondeterministicStepsUseThePowerSet) {
    // A lossy register: write(v) may or may not take effect. Reads of 0 then 1 then 0 after two
    // writes of 1 are fine only because each write could have been lost... but never 1 then 0
    // with no write in between.
    NondeterministicModel lossy;
    lossy.init = [] { return std::vector<State>{State{0}}; };
    lossy.step = [](const State& from, const Operation& op, std::vector<State>& to) {
        if (op.kind == 0) {
            to.push_back(State{op.input});
            to.push_back(from);
        } else if (op.output == from[0]) {
            to.push_back(from);
        }
    };
    lossy.kind_code = builtin_model("register").kind_code;
    Model model = to_model(lossy);
    auto hist = [&](const char* text) { return check(parse_history(text, model.kind_code), model).verdict; };
    EXPECT_EQ(hist("0 write 1 - 0 1\n1 read - 0 2 3\n0 write 1 - 4 5\n1 read - 1 6 7\n"), Verdict::kOk);
    EXPECT_EQ(hist("0 write 1 - 0 1\n1 read - 1 2 3\n1 read - 0 4 5\n"), Verdict::kIllegal);
    EXPECT_EQ(check_text("register", "0 write 1 - 0 1\n1 read - 0 2 3\n").verdict, Verdict::kIllegal);
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
