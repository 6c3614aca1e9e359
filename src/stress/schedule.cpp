// Deterministic trial plans for the random and PCT-style strategies.
#include "stress/schedule.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace ftkit::stress {

Strategy parse_strategy(std::string_view name) {
    if (name == "none") return Strategy::kNone;
    if (name == "random") return Strategy::kRandom;
    if (name == "pct") return Strategy::kPct;
    if (name == "collide") return Strategy::kCollide;
    throw std::invalid_argument("unknown strategy '" + std::string(name) + "' (none, random, pct, collide)");
}

const char* strategy_name(Strategy s) {
    switch (s) {
        case Strategy::kNone: return "none";
        case Strategy::kRandom: return "random";
        case Strategy::kPct: return "pct";
        case Strategy::kCollide: return "collide";
    }
    return "?";
}

const char* perturb_name(Perturb p) {
    switch (p) {
        case Perturb::kNone: return "none";
        case Perturb::kYield: return "yield";
        case Perturb::kSpin: return "spin";
        case Perturb::kSleep: return "sleep";
        case Perturb::kPair: return "pair";
    }
    return "?";
}

namespace {

/// A skew of 0 (a third of the time: the barrier's own jitter of tens of ns decides) or
/// log-uniform in 16 ns .. 8 us: race windows are nanoseconds wide and sit anywhere in an
/// operation of a fraction of a microsecond to a few microseconds.
uint32_t draw_skew(SplitMix64& rng) {
    if (rng.below(3) == 0) return 0;
    return static_cast<uint32_t>(16u << rng.below(10)) + static_cast<uint32_t>(rng.below(16u << 5));
}

void collide(TrialPlan& plan, SplitMix64& rng, const PlanOptions& o) {
    size_t n = plan.threads.size();
    if (n < 2) return;
    // Pairs (0,1), (2,3), ...; an odd last thread pairs with thread 0's partner-free steps: none.
    for (size_t a = 0; a + 1 < n; a += 2) {
        size_t b = a + 1;
        auto& sa = plan.threads[a];
        auto& sb = plan.threads[b];
        size_t steps = std::min<size_t>(std::min(sa.size(), sb.size()), kMaxPairStep + 1);
        for (size_t i = 0; i < steps; ++i) {
            uint32_t skew = draw_skew(rng);
            bool a_waits = rng.below(2) == 0;  // both orders
            sa[i].perturb = sb[i].perturb = Perturb::kPair;
            sa[i].amount = pair_amount(static_cast<int>(b), static_cast<int>(i), a_waits ? skew : 0);
            sb[i].amount = pair_amount(static_cast<int>(a), static_cast<int>(i), a_waits ? 0 : skew);
        }
    }
    (void)o;
}

void pct(TrialPlan& plan, SplitMix64& rng, const PlanOptions& o) {
    size_t n = plan.threads.size();
    // Priorities: rank 0 runs first. Change points: (step, thread) where the thread drops to
    // the lowest priority from that step on (d - 1 of them, as in PCT).
    std::vector<int> rank(n);
    std::iota(rank.begin(), rank.end(), 0);
    for (size_t i = n; i > 1; --i) std::swap(rank[i - 1], rank[rng.below(i)]);
    size_t steps = static_cast<size_t>(std::min(o.ops_per_thread, kMaxPairStep + 1));
    std::vector<std::pair<size_t, size_t>> changes;
    for (int d = 1; d < o.pct_depth; ++d) changes.emplace_back(rng.below(steps), rng.below(n));
    uint32_t gap = 40 + static_cast<uint32_t>(rng.below(400));  // ns between consecutive ranks
    for (size_t i = 0; i < steps && n > 1; ++i) {
        for (const auto& [at, t] : changes) {
            if (at != i) continue;
            for (auto& r : rank) r -= r > rank[t];
            rank[t] = static_cast<int>(n) - 1;
        }
        size_t top = static_cast<size_t>(std::find(rank.begin(), rank.end(), 0) - rank.begin());
        for (size_t t = 0; t < n; ++t) {
            Step& s = plan.threads[t][i];
            s.perturb = Perturb::kPair;
            // Every thread meets the top one at step i; the top one waits for the second.
            size_t partner = t != top ? top
                             : static_cast<size_t>(std::find(rank.begin(), rank.end(), 1) - rank.begin());
            s.amount = pair_amount(static_cast<int>(partner), static_cast<int>(i),
                                   static_cast<uint32_t>(rank[t]) * gap);
        }
    }
}

}  // namespace

TrialPlan make_plan(uint64_t seed, uint64_t trial, const PlanOptions& options) {
    if (options.threads < 1 || options.ops_per_thread < 1 || options.kinds < 1) {
        throw std::invalid_argument("a plan needs at least one thread, operation and kind");
    }
    SplitMix64 rng(seed * 0x2545f4914f6cdd1dULL + trial);
    TrialPlan plan;
    plan.seed = seed;
    plan.trial = trial;
    plan.strategy = options.strategy;
    plan.threads.resize(static_cast<size_t>(options.threads));
    for (auto& steps : plan.threads) {
        steps.resize(static_cast<size_t>(options.ops_per_thread));
        for (Step& step : steps) {
            step.kind = static_cast<int32_t>(rng.below(static_cast<uint64_t>(options.kinds)));
            step.arg_seed = rng.next();
        }
    }
    if (options.strategy == Strategy::kRandom) {
        for (auto& steps : plan.threads) {
            for (Step& step : steps) {
                uint64_t roll = rng.below(100);
                if (roll < 45) continue;
                if (roll < 65) step.perturb = Perturb::kYield;
                else if (roll < 92) step.perturb = Perturb::kSpin, step.amount = 1 + static_cast<uint32_t>(rng.below(3000));
                else step.perturb = Perturb::kSleep, step.amount = 1 + static_cast<uint32_t>(rng.below(50));
            }
        }
    } else if (options.strategy == Strategy::kPct) {
        pct(plan, rng, options);
    } else if (options.strategy == Strategy::kCollide) {
        collide(plan, rng, options);
    }
    return plan;
}

}  // namespace ftkit::stress
