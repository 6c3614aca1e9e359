// Native models through the C ABI of include/ftkit/history_model.h: a counter, growing states.
#include "stress/native_model.hpp"

#include <gtest/gtest.h>

#include "stress/checker.hpp"

namespace ftkit::stress {
namespace {

extern "C" size_t counter_init(void*, int64_t* out, size_t cap) {
    if (cap >= 1) out[0] = 0;
    return 1;
}
extern "C" int counter_step(void*, const int64_t* from, size_t, const ftkit_history_op* op, int64_t* to, size_t,
                            size_t* to_len) {
    *to_len = 1;
    to[0] = op->kind == 0 ? from[0] + 1 : from[0];
    return op->unknown || op->output == from[0];
}
const char* const kCounterKinds[] = {"inc", "get"};

TEST(NativeModel, CounterGivesTheBuiltinVerdicts) {
    ftkit_history_model counter{FTKIT_HISTORY_MODEL_ABI, nullptr, kCounterKinds, 2, counter_init, counter_step,
                                nullptr, nullptr};
    Model model = native_model(counter);
    const char* lost = "0 inc - 0 0 10\n1 inc - 0 0 10\n0 get - 1 20 30\n";
    const char* fine = "0 inc - 0 0 10\n1 inc - 1 0 10\n0 get - 2 20 30\n";
    EXPECT_EQ(check(parse_history(lost, model.kind_code), model).verdict, Verdict::kIllegal);
    EXPECT_EQ(check(parse_history(fine, model.kind_code), model).verdict, Verdict::kOk);
    EXPECT_EQ(model.kind_names, (std::vector<std::string>{"inc", "get"}));
}

// A log whose state grows by one word per append: exercises the "call again with room" path.
extern "C" size_t log_init(void*, int64_t*, size_t) { return 0; }
extern "C" int log_step(void*, const int64_t* from, size_t n, const ftkit_history_op* op, int64_t* to, size_t cap,
                        size_t* to_len) {
    if (op->kind == 1) {  // len() -> number of appends
        *to_len = n;
        if (n <= cap) std::copy(from, from + n, to);
        return op->output == static_cast<int64_t>(n);
    }
    *to_len = n + 1;
    if (n + 1 <= cap) {
        std::copy(from, from + n, to);
        to[n] = op->input;
    }
    return 1;
}
const char* const kLogKinds[] = {"append", "len"};

TEST(NativeModel, StatesLongerThanTheFirstBufferAreAskedAgain) {
    ftkit_history_model log{FTKIT_HISTORY_MODEL_ABI, nullptr, kLogKinds, 2, log_init, log_step, nullptr, nullptr};
    Model model = native_model(log);
    std::string text;
    for (int i = 0; i < 30; ++i) text += "0 append " + std::to_string(i) + " - " + std::to_string(2 * i) + " " +
                                         std::to_string(2 * i + 1) + "\n";
    EXPECT_EQ(check(parse_history(text + "1 len - 30 100 101\n", model.kind_code), model).verdict, Verdict::kOk);
    EXPECT_EQ(check(parse_history(text + "1 len - 29 100 101\n", model.kind_code), model).verdict, Verdict::kIllegal);
}

TEST(NativeModel, WrongAbiOrMissingFunctionsAreRejected) {
    ftkit_history_model bad{FTKIT_HISTORY_MODEL_ABI + 1, nullptr, nullptr, 0, counter_init, counter_step, nullptr,
                            nullptr};
    EXPECT_THROW(native_model(bad), std::invalid_argument);
    bad.abi = FTKIT_HISTORY_MODEL_ABI;
    bad.step = nullptr;
    EXPECT_THROW(native_model(bad), std::invalid_argument);
}

}  // namespace
}  // namespace ftkit::stress
