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
///   kPct:    PCT (Burckhardt et al. 2010) enforced by the engine where the threads run:
///            threads get distinct random priorities; before each operation a lower-priority
///            thread waits (kPair) until every higher one has reached the same step, then a
///            little longer per rank, so operations still overlap but start in priority
///            order; at `pct_depth` - 1 random change points a thread drops to the lowest
///            priority from that step on. Most real bugs need a depth of 1-3.
///   kCollide: every step of thread 0 is paired (kPair) with the same step of thread 1 (and
///            of thread t with t+1 beyond two): the two meet at a pairwise spin barrier and
///            one of them, either one, waits a skew of 0-8 us (log-uniform) before calling.
///            Many collisions per trial at controlled offsets, in both orders; a kind that
///            mutates is paired with any kind. Races need a start offset inside a window of
///            nanoseconds: random delays of microseconds rarely land there.
enum class Strategy { kNone, kRandom, kPct, kCollide };

/// kPair: wait at a pairwise spin barrier for another thread to reach one of its steps, then
/// spin `skew` nanoseconds; the three fields are packed in Step::amount (pair_amount).
enum class Perturb : uint8_t { kNone, kYield, kSpin, kSleep, kPair };

struct Step {
    int32_t kind = 0;        ///< index of the scenario's operation
    uint64_t arg_seed = 0;   ///< seeds the operation's argument generator
    Perturb perturb = Perturb::kNone;
    uint32_t amount = 0;     ///< spin iterations, sleep microseconds, or a packed kPair
};

/// kPair's amount: bits 0-15 the skew in ns, 16-23 the partner's step, 24-31 the partner thread.
/// Packed so a plan stays (kind, arg_seed, perturbation, amount) everywhere it travels.
struct PairWait {
    int thread = 0;
    int step = 0;
    uint32_t skew_ns = 0;
};
constexpr uint32_t kMaxSkewNs = 0xffff;
constexpr int kMaxPairStep = 0xff;
constexpr int kMaxPairThread = 0xff;
inline uint32_t pair_amount(int thread, int step, uint32_t skew_ns) {
    return (static_cast<uint32_t>(thread & 0xff) << 24) | (static_cast<uint32_t>(step & 0xff) << 16) |
           (skew_ns > kMaxSkewNs ? kMaxSkewNs : skew_ns);
}
inline PairWait pair_wait(uint32_t amount) {
    return {static_cast<int>(amount >> 24), static_cast<int>((amount >> 16) & 0xff), amount & 0xffff};
}

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

Strategy parse_strategy(std::string_view name);  ///< "none" | "random" | "pct" | "collide"; throws otherwise
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
