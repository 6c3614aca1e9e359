// Wing–Gong/Lowe search over one partition at a time (the shape of Porcupine's checkSingle).
#include "stress/checker.hpp"

#include <algorithm>
#include <unordered_map>

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

using Bits = std::vector<uint64_t>;

uint64_t hash_bits(const Bits& bits) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t w : bits) h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h;
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

struct Configuration {
    Bits linearized;
    State state;
};

enum class PartResult { kOk, kIllegal, kBudget };

PartResult check_part(const History& history, const std::vector<uint32_t>& ids, const Model& model,
                      uint64_t& budget, CheckResult& out) {
    std::vector<const Operation*> ops;
    for (uint32_t id : ids) ops.push_back(&history.ops[id]);
    EventList list(ops);
    auto equal = model.equal ? model.equal : [](const State& a, const State& b) { return a == b; };
    auto hash = model.hash ? model.hash : hash_words;

    std::unordered_map<uint64_t, std::vector<Configuration>> seen;
    Bits linearized((ops.size() + 63) / 64, 0);
    State state = model.init();
    struct Frame { int32_t call; State state; };
    std::vector<Frame> stack;
    std::vector<uint32_t> best_prefix;
    std::vector<uint32_t> best_window;
    size_t best_depth = 0;
    bool best_recorded = false;

    auto remember = [&](const Bits& bits, const State& s) {
        auto& bucket = seen[hash_bits(bits) ^ (hash(s) * 0x9e3779b97f4a7c15ULL)];
        for (const Configuration& c : bucket) {
            if (c.linearized == bits && equal(c.state, s)) return false;
        }
        bucket.push_back({bits, s});
        return true;
    };

    int32_t entry = list.head;
    State next;
    while (list.head >= 0) {
        const auto& node = list.nodes[entry];
        if (node.is_call) {
            if (budget == 0) return PartResult::kBudget;
            --budget;
            ++out.steps;
            uint32_t op = node.op;
            if (model.step(state, *ops[op], next)) {
                Bits bits = linearized;
                bits[op / 64] |= 1ULL << (op % 64);
                if (remember(bits, next)) {
                    stack.push_back({entry, state});
                    state = std::move(next);
                    linearized = std::move(bits);
                    list.lift(entry);
                    entry = list.head;
                    continue;
                }
                ++out.cache_hits;
            }
            entry = node.next;
        } else {
            // A return event: its operation must already be linearized, so this prefix is dead.
            if (!best_recorded || stack.size() > best_depth) {
                best_recorded = true;
                best_depth = stack.size();
                best_prefix.clear();
                for (const Frame& f : stack) best_prefix.push_back(ids[list.nodes[f.call].op]);
                best_window.clear();
                for (int32_t n = list.head; n >= 0 && list.nodes[n].is_call; n = list.nodes[n].next) {
                    best_window.push_back(ids[list.nodes[n].op]);
                }
                // The operation whose return stopped the search belongs to the window too.
                uint32_t stuck = ids[node.op];
                if (std::find(best_window.begin(), best_window.end(), stuck) == best_window.end()) {
                    best_window.push_back(stuck);
                }
            }
            if (stack.empty()) {
                out.failing_part = ids;
                out.longest_prefix = std::move(best_prefix);
                out.window = std::move(best_window);
                return PartResult::kIllegal;
            }
            Frame frame = std::move(stack.back());
            stack.pop_back();
            uint32_t op = list.nodes[frame.call].op;
            linearized[op / 64] &= ~(1ULL << (op % 64));
            state = std::move(frame.state);
            list.unlift(frame.call);
            entry = list.nodes[frame.call].next;
        }
    }
    return PartResult::kOk;
}

}  // namespace

CheckResult check(const History& history, const Model& model, const CheckOptions& options) {
    CheckResult result;
    auto parts = model.partition ? model.partition(history) : partition_by_key(history);
    result.partitions = parts.size();
    uint64_t budget = options.max_steps;
    for (const auto& part : parts) {
        PartResult r = check_part(history, part, model, budget, result);
        if (r == PartResult::kIllegal) {
            result.verdict = Verdict::kIllegal;
            return result;
        }
        if (r == PartResult::kBudget) {
            result.verdict = Verdict::kUnknown;  // one unsearched part is enough to know nothing
            return result;
        }
    }
    return result;
}

}  // namespace ftkit::stress
