// Linearizability checker: Wing–Gong search with Lowe's memoisation and P-compositionality.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stress/history.hpp"
#include "stress/model.hpp"

namespace ftkit::stress {

/// Three-valued, like Porcupine: kUnknown means the budget ran out before a verdict, and is
/// reported as "inconclusive", never as a pass.
enum class Verdict { kOk, kIllegal, kUnknown };

struct CheckOptions {
    uint64_t max_steps = 20'000'000;  ///< model steps over all partitions before giving up
    /// Bytes of search tables (memo rows and index, interned states, stacks) over all
    /// partitions. The memo refuses to grow past it (the rest is counted at each memo insert);
    /// then the largest unfinished partition is dropped as "unknown" and the others go on, so
    /// a search too big for memory ends in a verdict, not in an allocation failure.
    uint64_t max_memory = 2ULL << 30;
    /// Steps each unfinished partition gets in the first round; doubled every round. Small
    /// partitions go first, so a quick illegal part is found before a huge one is exhausted.
    uint64_t quantum = 1024;
};

struct CheckResult {
    Verdict verdict = Verdict::kOk;
    uint64_t steps = 0;        ///< model steps taken (work done, for throughput)
    uint64_t cache_hits = 0;   ///< configurations pruned by memoisation
    size_t partitions = 0;
    size_t partitions_unknown = 0;  ///< parts left undecided (budget or memory)
    uint64_t peak_memory = 0;       ///< largest total of search-table bytes seen
    uint64_t memo_entries = 0;      ///< configurations stored, over all parts
    /// When kUnknown: why ("step budget of N exhausted", "memory budget ..."), else empty.
    std::string reason;
    /// When kIllegal: the ops of the first part that failed, the longest linearization of it
    /// the search found (op ids in order), and the window: the ops that were candidates right
    /// after that prefix, none of which any order could place next. The prefix plus the window
    /// is the smallest non-linearizable piece the search saw.
    std::vector<uint32_t> failing_part;
    std::vector<uint32_t> longest_prefix;
    std::vector<uint32_t> window;
};

/// Is `history` linearizable with respect to `model`? Each part of model.partition (by
/// default: by key when every op is keyed) is searched separately: depth-first over the
/// minimal operations in call order (Wing & Gong 1993), skipping any (linearized set, state)
/// configuration seen before (Lowe 2017), which turns the exponential search into one bounded
/// by the number of distinct reachable configurations. Parts are searched interleaved, the
/// smallest first, in rounds of a step quantum that doubles each round; the first illegal part
/// decides. An undecided part (budget, memory) never hides an illegal one: the verdict is
/// illegal if any part is, else unknown if any part is undecided, else ok.
CheckResult check(const History& history, const Model& model, const CheckOptions& options = {});

const char* verdict_name(Verdict v);

}  // namespace ftkit::stress
