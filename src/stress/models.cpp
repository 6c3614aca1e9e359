// Built-in sequential models (register, cas-register, kv, queue, set, counter), the model
// defaults and the power-set construction for nondeterministic models.
#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "stress/model.hpp"

namespace ftkit::stress {

uint64_t hash_words(const State& state) {
    // One multiply per word (a byte-wise FNV-1a cost 20% of a kv check, whose states are long
    // strings); the interner finalises the result, so this only has to mix each word in.
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ state.size();
    for (int64_t w : state) {
        h = (h ^ static_cast<uint64_t>(w)) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    return h;
}

std::vector<std::vector<uint32_t>> partition_by_key(const History& history) {
    bool all_keyed = !history.ops.empty() &&
                     std::all_of(history.ops.begin(), history.ops.end(), [](const Operation& op) { return op.keyed; });
    if (!all_keyed) {
        std::vector<uint32_t> all(history.size());
        for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
        return {all};
    }
    std::map<int64_t, std::vector<uint32_t>> by_key;
    for (const Operation& op : history.ops) by_key[op.key].push_back(op.id);
    std::vector<std::vector<uint32_t>> parts;
    for (auto& [key, ids] : by_key) parts.push_back(std::move(ids));
    return parts;
}

State pack_string(std::string_view text) {
    State s((text.size() + 7) / 8 + 1, 0);
    s[0] = static_cast<int64_t>(text.size());
    if (!text.empty()) std::memcpy(&s[1], text.data(), text.size());
    return s;
}

std::string unpack_string(const State& state) {
    return std::string(reinterpret_cast<const char*>(state.data() + 1), static_cast<size_t>(state[0]));
}

void name_kinds(Model& m, std::vector<std::string> names) {
    m.kind_names = names;
    m.kind_code = [names](std::string_view name) {
        auto it = std::find(names.begin(), names.end(), name);
        return it == names.end() ? -1 : static_cast<int>(it - names.begin());
    };
    m.describe = [names](const Operation& op) {
        auto v = [](int64_t x) { return x == kNone ? std::string("-") : std::to_string(x); };
        std::string name = op.kind >= 0 && static_cast<size_t>(op.kind) < names.size() ? names[op.kind] : "?";
        std::string args = op.input == kNone ? "" : v(op.input);
        if (op.input2 != kNone) args += ", " + v(op.input2);
        if (!op.text_in.empty()) args += (args.empty() ? "'" : ", '") + op.text_in + "'";
        std::string out = op.unknown ? "?" : !op.text_out.empty() ? "'" + op.text_out + "'" : v(op.output);
        return name + "(" + args + ") -> " + out;
    };
}

Model to_model(const NondeterministicModel& nd) {
    // A set of states is encoded as [count, size1, words1..., size2, words2...]; equality is
    // mutual inclusion (member order differs between paths), the hash is order-free (a sum).
    auto equal = nd.equal ? nd.equal : [](const State& a, const State& b) { return a == b; };
    auto hash = nd.hash ? nd.hash : hash_words;
    auto members = [](const State& set) {
        std::vector<State> out;
        size_t at = 1;
        for (int64_t i = 0; i < set[0]; ++i) {
            auto n = static_cast<size_t>(set[at]);
            out.emplace_back(set.begin() + static_cast<std::ptrdiff_t>(at + 1),
                             set.begin() + static_cast<std::ptrdiff_t>(at + 1 + n));
            at += 1 + n;
        }
        return out;
    };
    auto encode = [equal](const std::vector<State>& states) {
        std::vector<const State*> unique;
        for (const State& s : states) {
            if (std::none_of(unique.begin(), unique.end(), [&](const State* u) { return equal(*u, s); })) {
                unique.push_back(&s);
            }
        }
        State set{static_cast<int64_t>(unique.size())};
        for (const State* s : unique) {
            set.push_back(static_cast<int64_t>(s->size()));
            set.insert(set.end(), s->begin(), s->end());
        }
        return set;
    };
    Model m;
    m.init = [init = nd.init, encode] { return encode(init()); };
    m.step = [step = nd.step, members, encode](const State& from, const Operation& op, State& to) {
        std::vector<State> next, one;
        for (const State& s : members(from)) {
            one.clear();
            step(s, op, one);
            next.insert(next.end(), one.begin(), one.end());
        }
        if (next.empty()) return false;
        to = encode(next);
        return true;
    };
    m.equal = [members, equal](const State& a, const State& b) {
        if (a[0] != b[0]) return false;  // encoded sets hold no duplicates
        auto in = [&](const std::vector<State>& xs, const std::vector<State>& ys) {
            return std::all_of(xs.begin(), xs.end(), [&](const State& x) {
                return std::any_of(ys.begin(), ys.end(), [&](const State& y) { return equal(x, y); });
            });
        };
        auto ma = members(a), mb = members(b);
        return in(ma, mb) && in(mb, ma);
    };
    m.hash = [members, hash](const State& set) {
        uint64_t h = 0;
        for (const State& s : members(set)) h += hash(s);
        return h;
    };
    m.partition = nd.partition;
    m.describe = nd.describe;
    m.kind_code = nd.kind_code;
    return m;
}

namespace {

Model register_model() {
    enum { kWrite, kRead };
    Model m;
    m.init = [] { return State{0}; };
    m.step = [](const State& from, const Operation& op, State& to) {
        if (op.kind == kWrite) {
            to = State{op.input};
            return true;
        }
        to = from;
        return op.unknown || op.output == from[0];
    };
    name_kinds(m, {"write", "read"});
    return m;
}

Model cas_register_model() {
    enum { kRead, kWrite, kCas };
    Model m;
    m.init = [] { return State{kNone}; };
    m.step = [](const State& from, const Operation& op, State& to) {
        if (op.kind == kWrite) {
            to = State{op.input};
            return true;
        }
        if (op.kind == kRead) {
            to = from;
            return op.unknown || op.output == from[0];
        }
        bool swapped = from[0] == op.input;
        to = State{swapped ? op.input2 : from[0]};
        return op.unknown || op.output == (swapped ? 1 : 0);
    };
    name_kinds(m, {"read", "write", "cas"});
    return m;
}

Model kv_model() {
    enum { kGet, kPut, kAppend };
    Model m;
    m.init = [] { return pack_string(""); };
    m.step = [](const State& from, const Operation& op, State& to) {
        if (op.kind == kGet) {
            to = from;
            return op.unknown || (static_cast<size_t>(from[0]) == op.text_out.size() &&
                                  std::memcmp(from.data() + 1, op.text_out.data(), op.text_out.size()) == 0);
        }
        if (op.kind == kPut) {
            to = pack_string(op.text_in);
            return true;
        }
        // append: the packed bytes of `from`, then op's, without a round trip through std::string
        auto old_size = static_cast<size_t>(from[0]);
        size_t size = old_size + op.text_in.size();
        to.assign((size + 7) / 8 + 1, 0);
        to[0] = static_cast<int64_t>(size);
        std::memcpy(to.data() + 1, from.data() + 1, old_size);
        std::memcpy(reinterpret_cast<char*>(to.data() + 1) + old_size, op.text_in.data(), op.text_in.size());
        return true;
    };
    name_kinds(m, {"get", "put", "append"});
    return m;
}

Model queue_model() {
    enum { kEnq, kDeq };
    Model m;
    m.init = [] { return State{}; };
    m.step = [](const State& from, const Operation& op, State& to) {
        if (op.kind == kEnq) {
            to = from;
            to.push_back(op.input);
            return true;
        }
        if (from.empty()) {
            to = from;
            return op.unknown || op.output == kNone;
        }
        if (!op.unknown && op.output != from.front()) return false;
        to.assign(from.begin() + 1, from.end());
        return true;
    };
    name_kinds(m, {"enq", "deq"});
    return m;
}

Model set_model() {
    enum { kAdd, kRemove, kContains };
    Model m;
    m.init = [] { return State{}; };  // sorted members: one representation per set
    m.step = [](const State& from, const Operation& op, State& to) {
        auto it = std::lower_bound(from.begin(), from.end(), op.input);
        bool present = it != from.end() && *it == op.input;
        to = from;
        if (op.kind == kAdd && !present) to.insert(to.begin() + (it - from.begin()), op.input);
        if (op.kind == kRemove && present) to.erase(to.begin() + (it - from.begin()));
        int64_t expected = op.kind == kAdd ? !present : present;
        return op.unknown || op.output == expected;
    };
    name_kinds(m, {"add", "remove", "contains"});
    return m;
}

Model counter_model() {
    enum { kInc, kGet };
    Model m;
    m.init = [] { return State{0}; };
    m.step = [](const State& from, const Operation& op, State& to) {
        to = State{op.kind == kInc ? from[0] + 1 : from[0]};
        return op.unknown || op.output == from[0];
    };
    name_kinds(m, {"inc", "get"});
    return m;
}

}  // namespace

Model builtin_model(std::string_view name) {
    if (name == "register") return register_model();
    if (name == "cas-register") return cas_register_model();
    if (name == "kv") return kv_model();
    if (name == "queue") return queue_model();
    if (name == "set") return set_model();
    if (name == "counter") return counter_model();
    throw std::invalid_argument("unknown model '" + std::string(name) + "' (register, cas-register, kv, queue, set, counter)");
}

}  // namespace ftkit::stress
