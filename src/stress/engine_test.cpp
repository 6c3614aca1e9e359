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
    for (Strategy s : {Strategy::kNone, Strategy::kRandom, Strategy::kPct, Strategy::kCollide}) {
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
    EXPECT_THROW(parse_strategy("chaos"), std::invalid_argument);
}

TEST(Schedule, PairAmountsRoundTrip) {
    PairWait w = pair_wait(pair_amount(3, 200, 1234));
    EXPECT_EQ(w.thread, 3);
    EXPECT_EQ(w.step, 200);
    EXPECT_EQ(w.skew_ns, 1234u);
    EXPECT_EQ(pair_wait(pair_amount(0, 0, 1u << 20)).skew_ns, kMaxSkewNs);  // clamped, not wrapped
}

TEST(Schedule, CollidePairsEveryStepOfThreadsZeroAndOneInBothOrders) {
    PlanOptions o;
    o.threads = 2;
    o.ops_per_thread = 40;
    o.strategy = Strategy::kCollide;
    int a_waits = 0, b_waits = 0;
    TrialPlan plan = make_plan(5, 0, o);
    for (size_t i = 0; i < 40; ++i) {
        const Step &a = plan.threads[0][i], &b = plan.threads[1][i];
        ASSERT_EQ(a.perturb, Perturb::kPair);
        ASSERT_EQ(b.perturb, Perturb::kPair);
        EXPECT_EQ(pair_wait(a.amount).thread, 1);
        EXPECT_EQ(pair_wait(b.amount).thread, 0);
        EXPECT_EQ(pair_wait(a.amount).step, static_cast<int>(i));
        EXPECT_FALSE(pair_wait(a.amount).skew_ns > 0 && pair_wait(b.amount).skew_ns > 0);
        a_waits += pair_wait(a.amount).skew_ns > 0;
        b_waits += pair_wait(b.amount).skew_ns > 0;
    }
    EXPECT_GT(a_waits, 0);
    EXPECT_GT(b_waits, 0);
}

TEST(Schedule, PctRanksThreadsAndChangePointsReorderThem) {
    PlanOptions o;
    o.threads = 3;
    o.ops_per_thread = 20;
    o.strategy = Strategy::kPct;
    o.pct_depth = 1;  // no change point: one priority order for the whole trial
    TrialPlan plan = make_plan(9, 2, o);
    auto skews = [&](size_t i) {
        std::vector<uint32_t> out;
        for (auto& steps : plan.threads) out.push_back(pair_wait(steps[i].amount).skew_ns);
        return out;
    };
    for (size_t i = 1; i < 20; ++i) EXPECT_EQ(skews(i), skews(0));
    std::vector<uint32_t> first = skews(0);
    std::set<uint32_t> distinct(first.begin(), first.end());
    EXPECT_EQ(distinct.size(), 3u);  // three ranks, three offsets
    o.pct_depth = 4;
    int reordered = 0;
    for (uint64_t trial = 0; trial < 20; ++trial) {
        plan = make_plan(9, trial, o);
        for (size_t i = 1; i < 20; ++i) reordered += skews(i) != skews(i - 1);
    }
    EXPECT_GT(reordered, 0);
}

/// Records the order in which steps start, so a test can see the engine enforce a plan.
struct OrderHooks : Hooks {
    std::mutex lock;
    std::vector<std::pair<int, int>> started;
    void run(int t, int slot, const Step&) override {
        std::lock_guard<std::mutex> g(lock);
        started.emplace_back(t, slot);
    }
};

TEST(Engine, PlansWithStepsCutOutStillFinish) {
    // The minimiser drops steps, so pair indices stop lining up: thread 0 keeps steps 0, 3, 4
    // (waiting for thread 1's steps 0, 3, 4) while thread 1 waits for thread 0's step 2 at its
    // own step 2. The waits form a cycle; the engine must release it, not hang.
    PlanOptions o;
    o.threads = 2;
    o.ops_per_thread = 5;
    o.strategy = Strategy::kCollide;
    OrderHooks hooks;
    Engine engine(2, hooks);
    std::vector<std::vector<OpTiming>> timings;
    for (uint64_t trial = 0; trial < 20; ++trial) {
        TrialPlan plan = make_plan(1, trial, o);
        auto& t0 = plan.threads[0];
        t0.erase(t0.begin() + 1, t0.begin() + 3);
        hooks.started.clear();
        engine.run_trial(plan, timings);
        EXPECT_EQ(hooks.started.size(), 8u);
    }
}

TEST(Engine, PairedStepsWaitForTheirPartnerAndNeverDeadlock) {
    for (Strategy s : {Strategy::kCollide, Strategy::kPct}) {
        PlanOptions o;
        o.threads = 3;
        o.ops_per_thread = 30;
        o.strategy = s;
        o.pct_depth = 3;
        OrderHooks hooks;
        Engine engine(o.threads, hooks);
        std::vector<std::vector<OpTiming>> timings;
        for (uint64_t trial = 0; trial < 50; ++trial) {
            TrialPlan plan = make_plan(3, trial, o);
            hooks.started.clear();
            engine.run_trial(plan, timings);
            ASSERT_EQ(hooks.started.size(), 90u);
            // A paired step starts only once its partner has reached its own step: no thread is
            // ever more than one step ahead of its partner's progress.
            std::vector<int> seen(3, 0);
            for (auto [t, slot] : hooks.started) {
                PairWait w = pair_wait(plan.threads[static_cast<size_t>(t)][static_cast<size_t>(slot)].amount);
                EXPECT_GE(seen[static_cast<size_t>(w.thread)] + 1, w.step) << strategy_name(s);
                seen[static_cast<size_t>(t)] = slot + 1;
            }
        }
    }
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
