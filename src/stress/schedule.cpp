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
    throw std::invalid_argument("unknown strategy '" + std::string(name) + "' (none, random, pct)");
}

const char* strategy_name(Strategy s) {
    switch (s) {
        case Strategy::kNone: return "none";
        case Strategy::kRandom: return "random";
        case Strategy::kPct: return "pct";
    }
    return "?";
}

const char* perturb_name(Perturb p) {
    switch (p) {
        case Perturb::kNone: return "none";
        case Perturb::kYield: return "yield";
        case Perturb::kSpin: return "spin";
        case Perturb::kSleep: return "sleep";
    }
    return "?";
}

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
        // Priorities 0..n-1 (0 highest); a thread of rank r starts r short delays late.
        std::vector<int> rank(plan.threads.size());
        std::iota(rank.begin(), rank.end(), 0);
        for (size_t i = rank.size(); i > 1; --i) std::swap(rank[i - 1], rank[rng.below(i)]);
        for (size_t t = 0; t < plan.threads.size(); ++t) {
            if (rank[t] > 0) {
                plan.threads[t][0].perturb = Perturb::kSpin;
                plan.threads[t][0].amount = static_cast<uint32_t>(rank[t]) * (200 + static_cast<uint32_t>(rng.below(800)));
            }
        }
        // Change points: the thread about to run that step drops to the lowest priority.
        size_t total = plan.threads.size() * static_cast<size_t>(options.ops_per_thread);
        for (int d = 0; d < options.pct_depth; ++d) {
            size_t at = rng.below(total);
            Step& step = plan.threads[at / static_cast<size_t>(options.ops_per_thread)]
                                     [at % static_cast<size_t>(options.ops_per_thread)];
            step.perturb = Perturb::kSpin;
            step.amount = 2000 + static_cast<uint32_t>(rng.below(20000));
        }
    }
    return plan;
}

}  // namespace ftkit::stress
