// Trial plans: which operation each thread runs and how it is perturbed, fixed by (seed, trial).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ftkit::stress {

/// How a plan widens race windows. Real threads still interleave as the OS decides; these
/// only move the odds, and the plan records which strategy produced it.
///   kNone:   no perturbation (the barrier start alone).
///   kRandom: before each operation, at random: nothing, a yield, a spin or a short sleep.
///            Plain random scheduling is a strong baseline (it finds most bugs PCT finds).
///   kPct:    PCT-style (Burckhardt et al. 2010): threads get distinct random priorities, a
///            lower priority starts later, and at `pct_depth` random change points a thread
///            is delayed as if it had dropped to the lowest priority. Most real bugs need a
///            depth of 1-3.
enum class Strategy { kNone, kRandom, kPct };

enum class Perturb : uint8_t { kNone, kYield, kSpin, kSleep };

struct Step {
    int32_t kind = 0;        ///< index of the scenario's operation
    uint64_t arg_seed = 0;   ///< seeds the operation's argument generator
    Perturb perturb = Perturb::kNone;
    uint32_t amount = 0;     ///< spin iterations, or sleep microseconds
};

struct PlanOptions {
    int threads = 2;
    int ops_per_thread = 5;   ///< Lincheck's default shape: 2 threads x 5 operations
    int kinds = 1;            ///< number of operations to choose from
    Strategy strategy = Strategy::kRandom;
    int pct_depth = 2;
};

struct TrialPlan {
    uint64_t seed = 0;
    uint64_t trial = 0;
    Strategy strategy = Strategy::kRandom;
    std::vector<std::vector<Step>> threads;
};

/// The plan of trial `trial` of a run seeded with `seed`: the same inputs give the same plan
/// on every machine (SplitMix64, no std:: distributions whose output is implementation-defined).
TrialPlan make_plan(uint64_t seed, uint64_t trial, const PlanOptions& options);

Strategy parse_strategy(std::string_view name);  ///< "none" | "random" | "pct"; throws otherwise
const char* strategy_name(Strategy s);
const char* perturb_name(Perturb p);

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and the same everywhere.
struct SplitMix64 {
    uint64_t state;
    explicit SplitMix64(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
};

}  // namespace ftkit::stress
