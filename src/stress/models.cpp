// Built-in sequential models (register, queue, set, counter) and the model defaults.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "stress/model.hpp"

namespace ftkit::stress {

uint64_t hash_words(const State& state) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a offset basis
    for (int64_t w : state) {
        for (int i = 0; i < 8; ++i) {
            h ^= static_cast<uint64_t>(w >> (8 * i)) & 0xffU;
            h *= 1099511628211ULL;
        }
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

namespace {

std::function<int(std::string_view)> kinds(std::vector<std::string_view> names) {
    return [names](std::string_view name) {
        auto it = std::find(names.begin(), names.end(), name);
        return it == names.end() ? -1 : static_cast<int>(it - names.begin());
    };
}

std::function<std::string(const Operation&)> describer(std::vector<std::string> names) {
    return [names](const Operation& op) {
        auto v = [](int64_t x) { return x == kNone ? std::string("-") : std::to_string(x); };
        std::string name = op.kind >= 0 && static_cast<size_t>(op.kind) < names.size() ? names[op.kind] : "?";
        return name + "(" + (op.input == kNone ? "" : v(op.input)) + ") -> " + v(op.output);
    };
}

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
        return op.output == from[0];
    };
    m.kind_code = kinds({"write", "read"});
    m.describe = describer({"write", "read"});
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
            return op.output == kNone;
        }
        if (op.output != from.front()) return false;
        to.assign(from.begin() + 1, from.end());
        return true;
    };
    m.kind_code = kinds({"enq", "deq"});
    m.describe = describer({"enq", "deq"});
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
        return op.output == expected;
    };
    m.kind_code = kinds({"add", "remove", "contains"});
    m.describe = describer({"add", "remove", "contains"});
    return m;
}

Model counter_model() {
    enum { kInc, kGet };
    Model m;
    m.init = [] { return State{0}; };
    m.step = [](const State& from, const Operation& op, State& to) {
        to = State{op.kind == kInc ? from[0] + 1 : from[0]};
        return op.output == from[0];
    };
    m.kind_code = kinds({"inc", "get"});
    m.describe = describer({"inc", "get"});
    return m;
}

}  // namespace

Model builtin_model(std::string_view name) {
    if (name == "register") return register_model();
    if (name == "queue") return queue_model();
    if (name == "set") return set_model();
    if (name == "counter") return counter_model();
    throw std::invalid_argument("unknown model '" + std::string(name) + "' (register, queue, set, counter)");
}

}  // namespace ftkit::stress
