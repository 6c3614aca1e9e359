// Recorded operations of a concurrent run: the checker's input, independent of Python.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftkit::stress {

/// The value of an input or output that is absent (a read's input, an empty queue's dequeue).
inline constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

/// The return time of an operation whose outcome is unknown (it crashed or timed out: Jepsen's
/// `:info`). Such an operation may have taken effect at any instant after its call, or never;
/// an interval open to the end of the history expresses both, because taking effect after
/// every other operation is indistinguishable from not taking effect.
inline constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

/// One completed operation. Its interval is CLOSED: [call, ret], timestamps from one monotonic
/// clock. Two operations overlap unless one returned strictly before the other was called:
/// a.ret < b.call orders a before b; a.ret == b.call leaves them concurrent. Example: a write
/// [0,10] and a read [10,20] may linearize in either order, so the read may see the old value.
/// Equal timestamps happen with coarse clocks, and treating them as concurrent can only allow
/// more orders, never report a false violation.
struct Operation {
    uint32_t id = 0;       ///< index in its History (set by History::add)
    int32_t thread = 0;
    int32_t kind = 0;      ///< model-defined op code (register: write/read, queue: enq/deq ...)
    int64_t input = kNone;
    int64_t output = kNone;
    int64_t key = 0;       ///< partition key, meaningful when keyed
    bool keyed = false;
    uint64_t call = 0;
    uint64_t ret = 0;
    int64_t input2 = kNone;  ///< a second argument (compare-and-set's new value)
    /// The output was not observed (crash, timeout): ret is kNever and a model's step must
    /// accept any output the operation could have produced from the state.
    bool unknown = false;
    std::string text_in;     ///< string argument (kv put/append value)
    std::string text_out;    ///< string result (kv get)
};

struct History {
    std::vector<Operation> ops;

    /// Append op (its id becomes its index); throws std::invalid_argument if ret < call.
    const Operation& add(Operation op);
    size_t size() const { return ops.size(); }
};

class HistoryParseError : public std::runtime_error {
public:
    HistoryParseError(size_t line, const std::string& what)
        : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}
    size_t line() const { return line_; }

private:
    size_t line_;
};

/// Parse the text format of tests/stress_support/*.hist (one operation per line, `#` comments):
///   THREAD KIND INPUT OUTPUT CALL RETURN [KEY]
/// KIND is a name the model maps to a code (kind_code returns -1 for unknown names); INPUT
/// and OUTPUT are integers or `-` for kNone. OUTPUT `?` marks an unknown outcome, and then
/// RETURN may be `-` (never returned). Throws HistoryParseError naming the line.
History parse_history(std::string_view text, const std::function<int(std::string_view)>& kind_code);

}  // namespace ftkit::stress
