// The sequential specification a history is judged against: Porcupine's model as a record of functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "stress/history.hpp"

namespace ftkit::stress {

/// A model state is a vector of words. Models with one representation per state (a register's
/// value, a queue's contents) need nothing else; a model whose states have several
/// representations either canonicalises them in `step` or supplies `equal` and `hash`.
using State = std::vector<int64_t>;

/// Porcupine's Model (init, step, equal, hash, partition, describe). Only init and step are
/// required; the others default to word-wise equality, a multiplicative hash of the words, partition by
/// Operation::key when every operation is keyed, and "kind(input) -> output".
struct Model {
    std::function<State()> init;
    /// Apply op to `from`; false if op's recorded output is impossible in `from` (then `to`
    /// is ignored). Must be pure: the checker calls it many times on the same state.
    std::function<bool(const State& from, const Operation& op, State& to)> step;
    std::function<bool(const State&, const State&)> equal;
    std::function<uint64_t(const State&)> hash;
    /// Independent sub-histories (P-compositionality, Herlihy & Wing): each list of op ids is
    /// checked alone, and the history is linearizable iff every part is.
    std::function<std::vector<std::vector<uint32_t>>(const History&)> partition;
    std::function<std::string(const Operation&)> describe;
    /// Maps the operation names of the text format to kind codes; -1 for an unknown name.
    std::function<int(std::string_view)> kind_code;
    std::vector<std::string> kind_names;  ///< names by kind code, when the model has a fixed set
};

/// Porcupine's NondeterministicModel: step returns every state op may lead to (none: op's
/// output is impossible). to_model() turns it into a Model over sets of states (the power-set
/// construction): a set steps to the union of its members' successors.
struct NondeterministicModel {
    std::function<std::vector<State>()> init;
    std::function<void(const State& from, const Operation& op, std::vector<State>& to)> step;
    std::function<bool(const State&, const State&)> equal;  ///< of single states; default word-wise
    std::function<uint64_t(const State&)> hash;
    std::function<std::vector<std::vector<uint32_t>>(const History&)> partition;
    std::function<std::string(const Operation&)> describe;
    std::function<int(std::string_view)> kind_code;
};
Model to_model(const NondeterministicModel& nondeterministic);

/// A string packed into state words ([length, 8 bytes per word...]): one representation per
/// string, so word-wise equality and hashing stay right (the kv model's state).
State pack_string(std::string_view text);
std::string unpack_string(const State& state);

/// Names m's operation kinds: codes are positions in `names` (kind_names, kind_code), and
/// describe prints "name(args) -> output".
void name_kinds(Model& m, std::vector<std::string> names);

/// Default partition: by key if every operation is keyed, else one part holding everything.
std::vector<std::vector<uint32_t>> partition_by_key(const History& history);

uint64_t hash_words(const State& state);

/// Built-in models for tests, benchmarks and recorded histories. Every step accepts an
/// operation with an unknown outcome (op.unknown) from any state, applying its effect.
///   "register": write(v), read() -> v; initial value 0.
///   "cas-register": read() -> v or kNone (never written), write(v), cas(from, to) -> 1 if the
///                   value was `from` (and becomes `to`) else 0; initially kNone. Porcupine's
///                   etcd model; input2 holds cas's `to`.
///   "kv":       get() -> text_out, put(text_in), append(text_in) on one string per key, ""
///               initially (Porcupine's kv model; keys are partitions).
///   "queue":    enq(v), deq() -> v or kNone when empty.
///   "set":      add(v) -> 1 if added / 0, remove(v) -> 1/0, contains(v) -> 1/0.
///   "counter":  inc() -> value before the increment, get() -> value; initial 0.
/// Keyed histories of any of them are partitioned per key (a map of registers, say).
/// Throws std::invalid_argument for an unknown name.
Model builtin_model(std::string_view name);

}  // namespace ftkit::stress
