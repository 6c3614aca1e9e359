// The text format of recorded histories (tests/stress_support/*.hist) and History's invariants.
#include "stress/history.hpp"

#include <charconv>

namespace ftkit::stress {

const Operation& History::add(Operation op) {
    if (op.ret < op.call) {
        throw std::invalid_argument("operation returns before it is called");
    }
    op.id = static_cast<uint32_t>(ops.size());
    ops.push_back(op);
    return ops.back();
}

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

template <typename T>
T parse_number(std::string_view word, size_t line, const char* what) {
    T value{};
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc{} || end != word.data() + word.size()) {
        throw HistoryParseError(line, std::string("bad ") + what + " '" + std::string(word) + "'");
    }
    return value;
}

int64_t parse_value(std::string_view word, size_t line, const char* what) {
    return word == "-" ? kNone : parse_number<int64_t>(word, line, what);
}

}  // namespace

History parse_history(std::string_view text, const std::function<int(std::string_view)>& kind_code) {
    History history;
    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        auto words = split_words(line);
        if (words.empty()) continue;
        if (words.size() != 6 && words.size() != 7) {
            throw HistoryParseError(line_no, "expected THREAD KIND INPUT OUTPUT CALL RETURN [KEY], got " +
                                                 std::to_string(words.size()) + " fields");
        }
        Operation op;
        op.thread = parse_number<int32_t>(words[0], line_no, "thread");
        op.kind = kind_code(words[1]);
        if (op.kind < 0) throw HistoryParseError(line_no, "unknown operation '" + std::string(words[1]) + "'");
        op.input = parse_value(words[2], line_no, "input");
        op.unknown = words[3] == "?";  // outcome unknown (crashed, timed out)
        op.output = op.unknown ? kNone : parse_value(words[3], line_no, "output");
        op.call = parse_number<uint64_t>(words[4], line_no, "call time");
        if (op.unknown && words[5] == "-") op.ret = kNever;  // never returned
        else op.ret = parse_number<uint64_t>(words[5], line_no, "return time");
        if (words.size() == 7) {
            op.key = parse_number<int64_t>(words[6], line_no, "key");
            op.keyed = true;
        }
        if (op.ret < op.call) throw HistoryParseError(line_no, "return time before call time");
        history.add(op);
    }
    return history;
}

}  // namespace ftkit::stress
