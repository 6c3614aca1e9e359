// The engine and plans without Python: determinism, reuse across trials, races it provokes.
#include "stress/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "stress/checker.hpp"

namespace ftkit::stress {
namespace {

bool same_plan(const TrialPlan& a, const TrialPlan& b) {
    if (a.threads.size() != b.threads.size()) return false;
    for (size_t t = 0; t < a.threads.size(); ++t) {
        for (size_t i = 0; i < a.threads[t].size(); ++i) {
            const Step &x = a.threads[t][i], &y = b.threads[t][i];
            if (x.kind != y.kind || x.arg_seed != y.arg_seed || x.perturb != y.perturb || x.amount != y.amount)
                return false;
        }
    }
    return true;
}

TEST(Schedule, SameSeedAndTrialGiveTheSamePlan) {
    PlanOptions o;
    o.threads = 3;
    o.kinds = 4;
    for (Strategy s : {Strategy::kNone, Strategy::kRandom, Strategy::kPct}) {
        o.strategy = s;
        EXPECT_TRUE(same_plan(make_plan(7, 3, o), make_plan(7, 3, o)));
        EXPECT_FALSE(same_plan(make_plan(7, 3, o), make_plan(7, 4, o)));
        EXPECT_FALSE(same_plan(make_plan(7, 3, o), make_plan(8, 3, o)));
    }
}

TEST(Schedule, StrategiesPerturbAsDocumented) {
    PlanOptions o;
    o.threads = 4;
    o.ops_per_thread = 50;
    o.strategy = Strategy::kNone;
    for (auto& steps : make_plan(1, 0, o).threads)
        for (auto& s : steps) EXPECT_EQ(s.perturb, Perturb::kNone);
    o.strategy = Strategy::kRandom;
    std::set<Perturb> kinds;
    for (auto& steps : make_plan(1, 0, o).threads)
        for (auto& s : steps) kinds.insert(s.perturb);
    EXPECT_EQ(kinds.size(), 4u);
    o.strategy = Strategy::kPct;
    o.pct_depth = 3;
    int long_delays = 0;
    for (auto& steps : make_plan(1, 0, o).threads)
        for (auto& s : steps) long_delays += s.perturb == Perturb::kSpin && s.amount >= 2000;
    EXPECT_GE(long_delays, 1);
    EXPECT_LE(long_delays, 3 + 3);  // change points, plus start delays of low-priority threads
    EXPECT_THROW(parse_strategy("chaos"), std::invalid_argument);
}

/// A counter incremented by a non-atomic read-modify-write (relaxed atomics, so the test is
/// free of undefined behaviour yet loses updates), recorded as a counter-model history.
struct LostUpdateHooks : Hooks {
    std::atomic<int64_t> value{0};
    std::vector<std::vector<int64_t>> seen;
    std::atomic<int> attached{0};
    bool racy = true;
    std::mutex lock;
    explicit LostUpdateHooks(int threads) : seen(static_cast<size_t>(threads)) {}
    void attach(int) override { attached.fetch_add(1); }
    void detach(int) override { attached.fetch_sub(1); }
    void run(int t, int slot, const Step&) override {
        std::unique_lock<std::mutex> guard(lock, std::defer_lock);
        if (!racy) guard.lock();
        int64_t v = value.load(std::memory_order_relaxed);
        // Widen the window to ~5 us so two threads on a busy 2-core machine still overlap.
        for (uint64_t until = monotonic_ns() + 5000; monotonic_ns() < until;) {
        }
        value.store(v + 1, std::memory_order_relaxed);
        seen[static_cast<size_t>(t)][static_cast<size_t>(slot)] = v;
    }
};

History counter_history(const TrialPlan& plan, const LostUpdateHooks& hooks,
                        const std::vector<std::vector<OpTiming>>& timings) {
    History h;
    for (size_t t = 0; t < plan.threads.size(); ++t) {
        for (size_t i = 0; i < plan.threads[t].size(); ++i) {
            Operation op;
            op.thread = static_cast<int32_t>(t);
            op.kind = 0;  // inc
            op.output = hooks.seen[t][i];
            op.call = timings[t][i].call;
            op.ret = timings[t][i].ret;
            h.add(op);
        }
    }
    return h;
}

int illegal_trials(bool racy, int trials) {
    PlanOptions o;
    o.threads = 2;
    o.ops_per_thread = 5;
    LostUpdateHooks hooks(o.threads);
    hooks.racy = racy;
    for (auto& s : hooks.seen) s.resize(5);
    std::vector<int32_t> progress(4, -1);
    Engine engine(o.threads, hooks, ProgressSlots{progress.data()});
    Model counter = builtin_model("counter");
    int illegal = 0;
    std::vector<std::vector<OpTiming>> timings;
    for (int trial = 0; trial < trials; ++trial) {
        hooks.value = 0;
        TrialPlan plan = make_plan(11, static_cast<uint64_t>(trial), o);
        engine.run_trial(plan, timings);
        EXPECT_EQ(hooks.attached.load(), 0);
        EXPECT_EQ(progress, (std::vector<int32_t>{5, 5, 5, 5}));
        for (auto& per_thread : timings)
            for (auto& op : per_thread) EXPECT_LE(op.call, op.ret);
        illegal += check(counter_history(plan, hooks, timings), counter).verdict == Verdict::kIllegal;
    }
    return illegal;
}

TEST(Engine, FindsLostUpdatesAndPassesTheLockedCounter) {
    EXPECT_GT(illegal_trials(true, 500), 0);
    EXPECT_EQ(illegal_trials(false, 200), 0);
}

}  // namespace
}  // namespace ftkit::stress
