// Wing–Gong/Lowe search (the shape of Porcupine's checkSingle), resumable per partition, and the
// driver that interleaves partitions under a step budget and a memory budget.
#include "stress/checker.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

#include "stress/search_tables.hpp"

namespace ftkit::stress {

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::kOk: return "ok";
        case Verdict::kIllegal: return "illegal";
        case Verdict::kUnknown: return "unknown";
    }
    return "?";
}

namespace {

uint64_t splitmix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// Call and return events of one part in time order, as a doubly linked list we unlink
/// operations from ("lift") when they are linearized and relink when the search backtracks.
struct EventList {
    struct Node {
        uint32_t op;       // local index of the operation in the part
        bool is_call;
        int32_t match;     // call -> its return node
        int32_t prev, next;
    };
    std::vector<Node> nodes;
    int32_t head = -1;

    explicit EventList(const std::vector<const Operation*>& ops) {
        struct Event { uint64_t time; bool is_call; uint32_t op; };
        std::vector<Event> events;
        for (uint32_t i = 0; i < ops.size(); ++i) {
            events.push_back({ops[i]->call, true, i});
            events.push_back({ops[i]->ret, false, i});
        }
        // Closed intervals: at equal times calls come first, so such operations overlap.
        std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
            if (a.time != b.time) return a.time < b.time;
            if (a.is_call != b.is_call) return a.is_call;
            return a.op < b.op;
        });
        nodes.resize(events.size());
        std::vector<int32_t> call_node(ops.size());
        for (size_t i = 0; i < events.size(); ++i) {
            auto idx = static_cast<int32_t>(i);
            nodes[i] = {events[i].op, events[i].is_call, -1, idx - 1, i + 1 < events.size() ? idx + 1 : -1};
            if (events[i].is_call) call_node[events[i].op] = idx;
            else nodes[call_node[events[i].op]].match = idx;
        }
        head = events.empty() ? -1 : 0;
    }

    void unlink(int32_t n) {
        Node& node = nodes[n];
        if (node.prev >= 0) nodes[node.prev].next = node.next; else head = node.next;
        if (node.next >= 0) nodes[node.next].prev = node.prev;
    }
    void relink(int32_t n) {  // inverse of unlink, valid in LIFO order
        Node& node = nodes[n];
        if (node.prev >= 0) nodes[node.prev].next = n; else head = n;
        if (node.next >= 0) nodes[node.next].prev = n;
    }
    void lift(int32_t call) { unlink(call); unlink(nodes[call].match); }
    void unlift(int32_t call) { relink(nodes[call].match); relink(call); }
};

enum class Status { kOk, kIllegal, kPaused, kMemory };

/// The search over one part, resumable: run() takes a number of steps and a memory limit and
/// returns where it stopped. Per step it costs one lookup in a small direct-mapped cache of
/// model transitions (state id, op) -> state id, an O(1) update of the linearized set and its
/// Zobrist hash (the bit is set in place), and one probe of the memo; the (set, state id) row
/// is copied only when it is new (Porcupine clones its bitset on insert too).
class PartSearch {
public:
    PartSearch(const History& history, std::vector<uint32_t> ids, const Model& model)
        : ids_(std::move(ids)), model_(model), list_(collect(history)), words_((ids_.size() + 63) / 64),
          states_(model.equal, model.hash ? model.hash : hash_words),
          memo_(words_ + 1) {
        row_.assign(words_ + 1, 0);
        keys_.resize(ids_.size());
        for (size_t i = 0; i < keys_.size(); ++i) keys_[i] = splitmix(i * 0x632be59bd9b4e019ULL + 1);
        size_t cache = 64;  // direct-mapped, 16 bytes an entry: at most 1 MiB per part
        while (cache < ids_.size() * 16 && cache < (1u << 16)) cache *= 2;
        transitions_.assign(cache, Transition{});
        State init = model.init();
        state_ = states_.intern(init);
        entry_ = list_.head;
    }

    Status run(uint64_t steps, uint64_t memory_limit, CheckResult& out) {
        while (list_.head >= 0) {
            const auto& node = list_.nodes[entry_];
            if (node.is_call) {
                if (steps == 0) return Status::kPaused;
                --steps;
                ++out.steps;
                uint32_t op = node.op;
                int64_t next = transition(state_, op);
                if (next >= 0) {
                    row_[op / 64] |= 1ULL << (op % 64);
                    row_[words_] = static_cast<uint64_t>(next);
                    uint64_t hash = zobrist_ ^ keys_[op] ^ splitmix(static_cast<uint64_t>(next));
                    size_t others = bytes() - memo_.bytes();
                    auto added = memo_.insert(row_.data(), hash, memory_limit > others ? memory_limit - others : 0);
                    if (added == RowSet::Insert::kAdded) {
                        stack_.push_back({entry_, state_});
                        zobrist_ ^= keys_[op];
                        state_ = static_cast<uint32_t>(next);
                        list_.lift(entry_);
                        entry_ = list_.head;
                        continue;
                    }
                    row_[op / 64] &= ~(1ULL << (op % 64));
                    if (added == RowSet::Insert::kFull) {
                        --out.steps;
                        return Status::kMemory;  // this step is retried if the part resumes
                    }
                    ++out.cache_hits;
                }
                entry_ = node.next;
            } else {
                // A return event: its operation must already be linearized, so this prefix is dead.
                note_dead_end(node.op);
                if (stack_.empty()) {
                    out.failing_part = ids_;
                    out.longest_prefix = std::move(best_prefix_);
                    out.window = std::move(best_window_);
                    return Status::kIllegal;
                }
                Frame frame = stack_.back();
                stack_.pop_back();
                uint32_t op = list_.nodes[frame.call].op;
                row_[op / 64] &= ~(1ULL << (op % 64));
                zobrist_ ^= keys_[op];
                state_ = frame.state;
                list_.unlift(frame.call);
                entry_ = list_.nodes[frame.call].next;
            }
        }
        return Status::kOk;
    }

    size_t bytes() const {
        return memo_.bytes() + states_.bytes() + transitions_.capacity() * sizeof(Transition) +
               stack_.capacity() * sizeof(Frame) + list_.nodes.capacity() * sizeof(EventList::Node);
    }
    size_t entries() const { return memo_.size(); }
    size_t size() const { return ids_.size(); }

private:
    struct Frame { int32_t call; uint32_t state; };
    struct Transition { uint32_t state = UINT32_MAX; uint32_t op = 0; int64_t next = -1; };

    std::vector<const Operation*> collect(const History& history) {
        for (uint32_t id : ids_) ops_.push_back(&history.ops[id]);
        return ops_;
    }

    /// The state id after op from state, or -1 when op's recorded output is impossible there.
    int64_t transition(uint32_t state, uint32_t op) {
        Transition& t = transitions_[(splitmix(state) ^ op * 0x9e3779b97f4a7c15ULL) & (transitions_.size() - 1)];
        if (t.state == state && t.op == op) return t.next;
        t.state = state;
        t.op = op;
        t.next = model_.step(states_[state], *ops_[op], scratch_) ? static_cast<int64_t>(states_.intern(scratch_)) : -1;
        return t.next;
    }

    void note_dead_end(uint32_t stuck_op) {
        if (best_recorded_ && stack_.size() <= best_depth_) return;
        best_recorded_ = true;
        best_depth_ = stack_.size();
        best_prefix_.clear();
        for (const Frame& f : stack_) best_prefix_.push_back(ids_[list_.nodes[f.call].op]);
        best_window_.clear();
        for (int32_t n = list_.head; n >= 0 && list_.nodes[n].is_call; n = list_.nodes[n].next) {
            best_window_.push_back(ids_[list_.nodes[n].op]);
        }
        // The operation whose return stopped the search belongs to the window too.
        uint32_t stuck = ids_[stuck_op];
        if (std::find(best_window_.begin(), best_window_.end(), stuck) == best_window_.end()) {
            best_window_.push_back(stuck);
        }
    }

    std::vector<uint32_t> ids_;
    const Model& model_;
    std::vector<const Operation*> ops_;
    EventList list_;
    size_t words_;
    Interner<State> states_;
    RowSet memo_;
    std::vector<uint64_t> row_;   // linearized set (words_ words) + current candidate state id
    std::vector<uint64_t> keys_;  // Zobrist key per op: the set's hash is the XOR over its ops
    uint64_t zobrist_ = 0;
    std::vector<Transition> transitions_;
    State scratch_;
    std::vector<Frame> stack_;
    int32_t entry_ = -1;
    uint32_t state_ = 0;
    std::vector<uint32_t> best_prefix_, best_window_;
    size_t best_depth_ = 0;
    bool best_recorded_ = false;
};

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }

}  // namespace

CheckResult check(const History& history, const Model& model, const CheckOptions& options) {
    CheckResult result;
    auto parts = model.partition ? model.partition(history) : partition_by_key(history);
    result.partitions = parts.size();
    std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });

    std::vector<std::unique_ptr<PartSearch>> searches(parts.size());
    std::vector<size_t> held(parts.size(), 0);  // bytes each active part held after its last run
    std::vector<size_t> active(parts.size());
    std::iota(active.begin(), active.end(), 0);
    uint64_t total = 0, budget = options.max_steps, quantum = std::max<uint64_t>(options.quantum, 1);
    size_t dropped = 0;
    uint64_t dropped_bytes = 0;

    auto drop = [&](size_t part) {  // give up on a part to free its memory
        dropped_bytes = std::max<uint64_t>(dropped_bytes, held[part]);
        total -= held[part];
        held[part] = 0;
        searches[part].reset();
        active.erase(std::find(active.begin(), active.end(), part));
        ++dropped;
    };

    while (!active.empty()) {
        for (size_t k = 0; k < active.size();) {
            size_t part = active[k];
            if (budget == 0) {
                result.verdict = Verdict::kUnknown;
                result.partitions_unknown = active.size() + dropped;
                result.reason = "step budget of " + std::to_string(options.max_steps) + " exhausted with " +
                                std::to_string(result.partitions_unknown) + " of " + std::to_string(parts.size()) +
                                " parts undecided";
                return result;
            }
            if (!searches[part]) searches[part] = std::make_unique<PartSearch>(history, std::move(parts[part]), model);
            PartSearch& search = *searches[part];
            uint64_t allow = std::min(quantum, budget), before = result.steps;
            uint64_t others = total - held[part];
            Status status = search.run(allow, options.max_memory > others ? options.max_memory - others : 0, result);
            budget -= result.steps - before;
            total += search.bytes() - held[part];
            held[part] = search.bytes();
            result.peak_memory = std::max(result.peak_memory, total);
            if (status == Status::kIllegal) {
                result.verdict = Verdict::kIllegal;
                result.memo_entries += search.entries();
                return result;
            }
            if (status == Status::kOk) {
                result.memo_entries += search.entries();
                total -= held[part];
                held[part] = 0;
                searches[part].reset();
                active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
                continue;
            }
            if (status == Status::kMemory) {
                // Drop the largest part (often this one); if another was larger, this one
                // resumes in the next round with the room that freed.
                size_t largest = *std::max_element(active.begin(), active.end(),
                                                   [&](size_t a, size_t b) { return held[a] < held[b]; });
                result.memo_entries += searches[largest]->entries();
                drop(largest);
                if (largest == part) continue;
                k = static_cast<size_t>(std::find(active.begin(), active.end(), part) - active.begin());
            }
            ++k;
        }
        quantum = quantum > UINT64_MAX / 2 ? quantum : quantum * 2;
    }
    if (dropped > 0) {
        result.verdict = Verdict::kUnknown;
        result.partitions_unknown = dropped;
        result.reason = "memory budget of " + mib(options.max_memory) + " reached: " + std::to_string(dropped) +
                        " of " + std::to_string(parts.size()) + " parts undecided (the largest held " +
                        mib(dropped_bytes) + ")";
    }
    return result;
}

}  // namespace ftkit::stress
