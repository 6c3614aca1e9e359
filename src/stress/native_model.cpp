// Adapter from the C ABI of native models (include/ftkit/history_model.h) to Model.
#include "stress/native_model.hpp"

#include <stdexcept>

namespace ftkit::stress {

static_assert(FTKIT_HISTORY_NONE == kNone, "the C header's absent value is the checker's");

Model native_model(const ftkit_history_model& native) {
    if (native.abi != FTKIT_HISTORY_MODEL_ABI) {
        throw std::invalid_argument("native model of ABI version " + std::to_string(native.abi) +
                                    ", this ftkit reads " + std::to_string(FTKIT_HISTORY_MODEL_ABI));
    }
    if (native.init == nullptr || native.step == nullptr) throw std::invalid_argument("native model without init or step");
    const ftkit_history_model* m = &native;
    Model model;
    model.init = [m] {
        State s(8);
        size_t n = m->init(m->context, s.data(), s.size());
        if (n > s.size()) {  // the model asked for more room
            s.resize(n);
            n = m->init(m->context, s.data(), s.size());
        }
        s.resize(std::min(n, s.size()));
        return s;
    };
    model.step = [m](const State& from, const Operation& op, State& to) {
        ftkit_history_op o{op.thread,        op.kind,           op.input,          op.input2,
                           op.output,        op.text_in.data(), op.text_in.size(), op.text_out.data(),
                           op.text_out.size(), op.unknown ? 1 : 0};
        to.resize(from.size() + 8);
        size_t n = 0;
        if (!m->step(m->context, from.data(), from.size(), &o, to.data(), to.size(), &n)) return false;
        if (n > to.size()) {
            to.resize(n);
            if (!m->step(m->context, from.data(), from.size(), &o, to.data(), to.size(), &n)) return false;
        }
        to.resize(std::min(n, to.size()));
        return true;
    };
    if (native.equal != nullptr) {
        model.equal = [m](const State& a, const State& b) {
            return m->equal(m->context, a.data(), a.size(), b.data(), b.size()) != 0;
        };
    }
    if (native.hash != nullptr) {
        model.hash = [m](const State& s) { return m->hash(m->context, s.data(), s.size()); };
    }
    std::vector<std::string> names;
    for (size_t k = 0; k < native.kinds; ++k) names.emplace_back(native.kind_names[k]);
    name_kinds(model, std::move(names));
    return model;
}

}  // namespace ftkit::stress
