// ftkit._core stress bindings: plans, the engine with interpreter-attached threads, the checker.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <Python.h>

#include <memory>
#include <optional>

#include "stress/checker.hpp"
#include "stress/engine.hpp"
#include "stress/native_model.hpp"
#include "stress/schedule.hpp"

namespace nb = nanobind;
using namespace ftkit::stress;

namespace {

using StepTuple = std::tuple<int32_t, uint64_t, std::string, uint32_t>;

Perturb parse_perturb(const std::string& name) {
    for (Perturb p : {Perturb::kNone, Perturb::kYield, Perturb::kSpin, Perturb::kSleep, Perturb::kPair}) {
        if (name == perturb_name(p)) return p;
    }
    throw nb::value_error(("unknown perturbation '" + name + "'").c_str());
}

TrialPlan plan_from_steps(const std::vector<std::vector<StepTuple>>& threads, uint64_t seed, uint64_t trial,
                          const std::string& strategy) {
    TrialPlan plan;
    plan.seed = seed;
    plan.trial = trial;
    plan.strategy = parse_strategy(strategy);
    for (const auto& steps : threads) {
        auto& out = plan.threads.emplace_back();
        for (const auto& [kind, arg_seed, perturb, amount] : steps) {
            out.push_back({kind, arg_seed, parse_perturb(perturb), amount});
        }
    }
    return plan;
}

std::vector<std::vector<StepTuple>> plan_steps(const TrialPlan& plan) {
    std::vector<std::vector<StepTuple>> out;
    for (const auto& steps : plan.threads) {
        auto& row = out.emplace_back();
        for (const Step& s : steps) row.emplace_back(s.kind, s.arg_seed, perturb_name(s.perturb), s.amount);
    }
    return out;
}

/// Engine hooks for CPython: each worker owns a thread state of the interpreter that created
/// the Runner, attached for the duration of a trial and detached while it waits for the next.
/// Thread 0 is the calling Python thread; its own state is saved and restored around waits.
class PythonHooks final : public Hooks {
public:
    explicit PythonHooks(int threads) : states_(static_cast<size_t>(threads), nullptr),
                                        calls_(static_cast<size_t>(threads), nullptr),
                                        results_(static_cast<size_t>(threads), nullptr),
                                        errors_(static_cast<size_t>(threads), nullptr),
                                        interp_(PyInterpreterState_Get()) {}

    void thread_started(int t) override {
        states_[t] = PyThreadState_New(interp_);  // needs no attached thread state (C-API docs)
    }
    void thread_stopping(int t) override {
        PyEval_RestoreThread(states_[t]);
        PyThreadState_Clear(states_[t]);
        PyThreadState_DeleteCurrent();
    }
    void attach(int t) override { PyEval_RestoreThread(states_[t]); }
    void detach(int t) override { states_[t] = PyEval_SaveThread(); }

    void run(int t, int slot, const Step&) override {
        PyObject* call = PyList_GET_ITEM(calls_[t], slot);  // borrowed; lists are not mutated during a trial
        PyObject* result = PyObject_Call(PyTuple_GET_ITEM(call, 0), PyTuple_GET_ITEM(call, 1), nullptr);
        if (result == nullptr) {
#if PY_VERSION_HEX >= 0x030C0000
            PyObject* exc = PyErr_GetRaisedException();
#else
            // Before 3.12 (PEP 490's triple): normalise and attach the traceback, as
            // PyErr_GetRaisedException does; the package builds on 3.9+, stress runs on 3.13t+.
            PyObject *type = nullptr, *exc = nullptr, *tb = nullptr;
            PyErr_Fetch(&type, &exc, &tb);
            PyErr_NormalizeException(&type, &exc, &tb);
            if (tb != nullptr) PyException_SetTraceback(exc, tb);
            Py_XDECREF(type);
            Py_XDECREF(tb);
#endif
            PyList_SetItem(errors_[t], slot, exc);
            return;
        }
        PyList_SetItem(results_[t], slot, result);  // steals the reference
    }

    /// Borrowed pointers to per-thread lists owned by the caller for one trial.
    void set_trial(const nb::list& calls, const nb::list& results, const nb::list& errors) {
        for (size_t t = 0; t < states_.size(); ++t) {
            calls_[t] = calls[t].ptr();
            results_[t] = results[t].ptr();
            errors_[t] = errors[t].ptr();
        }
    }

private:
    std::vector<PyThreadState*> states_;
    std::vector<PyObject*> calls_, results_, errors_;
    PyInterpreterState* interp_;
};

/// The engine plus its hooks, and an optional shared-memory progress buffer (a writable
/// buffer, e.g. an mmap of a file the parent process reads after a crash).
class Runner {
public:
    Runner(int threads, nb::object progress) : hooks_(threads) {
        ProgressSlots slots;
        if (!progress.is_none()) {
            if (PyObject_GetBuffer(progress.ptr(), &buffer_, PyBUF_WRITABLE) != 0) throw nb::python_error();
            has_buffer_ = true;
            if (static_cast<size_t>(buffer_.len) < 2 * sizeof(int32_t) * static_cast<size_t>(threads)) {
                PyBuffer_Release(&buffer_);
                has_buffer_ = false;
                throw nb::value_error("progress buffer too small: needs 8 bytes per thread");
            }
            slots.words = static_cast<int32_t*>(buffer_.buf);
        }
        nb::gil_scoped_release release;
        engine_ = std::make_unique<Engine>(threads, hooks_, slots);
    }
    ~Runner() { close(); }

    void close() {
        if (engine_) {
            nb::gil_scoped_release release;  // workers attach to clear their thread states
            engine_.reset();
        }
        if (has_buffer_) {
            PyBuffer_Release(&buffer_);
            has_buffer_ = false;
        }
    }

    /// Run one trial: calls[t][i] is (callable, args) for step i of thread t. Returns
    /// (results, errors, timings): per thread, the return values, the exceptions raised (None
    /// where none), and (call_ns, return_ns) per step.
    nb::tuple run(const std::vector<std::vector<StepTuple>>& steps, nb::list calls) {
        if (!engine_) throw nb::value_error("the runner is closed");
        TrialPlan plan = plan_from_steps(steps, 0, 0, "none");
        if (plan.threads.size() != static_cast<size_t>(engine_->threads()) || nb::len(calls) != plan.threads.size()) {
            throw nb::value_error("one list of steps and of calls per engine thread is required");
        }
        nb::list results, errors;
        for (size_t t = 0; t < plan.threads.size(); ++t) {
            nb::list thread_calls = nb::cast<nb::list>(calls[t]);
            size_t n = plan.threads[t].size();
            if (nb::len(thread_calls) != n) throw nb::value_error("calls and steps differ in length");
            for (size_t i = 0; i < n; ++i) {
                nb::handle c = thread_calls[i];
                if (!PyTuple_Check(c.ptr()) || PyTuple_GET_SIZE(c.ptr()) != 2 ||
                    !PyTuple_Check(PyTuple_GET_ITEM(c.ptr(), 1))) {
                    throw nb::type_error("each call must be a (callable, args_tuple) pair");
                }
            }
            nb::list r, e;
            for (size_t i = 0; i < n; ++i) {
                r.append(nb::none());
                e.append(nb::none());
            }
            results.append(r);
            errors.append(e);
        }
        hooks_.set_trial(calls, results, errors);
        std::vector<std::vector<OpTiming>> timings;
        engine_->run_trial(plan, timings);  // this thread runs thread 0's steps, attached
        nb::list times;
        for (const auto& per_thread : timings) {
            nb::list row;
            for (const OpTiming& t : per_thread) row.append(nb::make_tuple(t.call, t.ret));
            times.append(row);
        }
        return nb::make_tuple(results, errors, times);
    }

private:
    PythonHooks hooks_;
    std::unique_ptr<Engine> engine_;
    Py_buffer buffer_{};
    bool has_buffer_ = false;
};

nb::dict result_dict(const CheckResult& r) {
    nb::dict d;
    d["verdict"] = verdict_name(r.verdict);
    d["reason"] = r.reason;
    d["steps"] = r.steps;
    d["cache_hits"] = r.cache_hits;
    d["partitions"] = r.partitions;
    d["partitions_unknown"] = r.partitions_unknown;
    d["peak_memory"] = r.peak_memory;
    d["memo_entries"] = r.memo_entries;
    d["failing_part"] = r.failing_part;
    d["longest_prefix"] = r.longest_prefix;
    d["window"] = r.window;
    return d;
}

/// (thread, kind, input, output, call, ret, key[, input2, text_in, text_out, unknown]) tuples ->
/// History. input/output/input2/key may be None; ret None means never returned (unknown outcome).
History history_from_tuples(const nb::list& ops) {
    History h;
    auto value = [](nb::handle v) { return v.is_none() ? kNone : nb::cast<int64_t>(v); };
    for (nb::handle item : ops) {
        nb::tuple t = nb::cast<nb::tuple>(item);
        size_t n = nb::len(t);
        if (n < 7 || n > 11) {
            throw nb::value_error("an operation is (thread, kind, input, output, call, ret, key"
                                  "[, input2, text_in, text_out, unknown])");
        }
        Operation op;
        op.thread = nb::cast<int32_t>(t[0]);
        op.kind = nb::cast<int32_t>(t[1]);
        op.input = value(t[2]);
        op.output = value(t[3]);
        op.call = nb::cast<uint64_t>(t[4]);
        op.ret = t[5].is_none() ? kNever : nb::cast<uint64_t>(t[5]);
        if (!t[6].is_none()) {
            op.keyed = true;
            op.key = nb::cast<int64_t>(t[6]);
        }
        if (n > 7) op.input2 = value(t[7]);
        if (n > 8) op.text_in = nb::cast<std::string>(t[8]);
        if (n > 9) op.text_out = nb::cast<std::string>(t[9]);
        op.unknown = (n > 10 && nb::cast<bool>(t[10])) || t[5].is_none();
        if (op.ret < op.call) throw nb::value_error("an operation returns before it is called");
        h.add(std::move(op));
    }
    return h;
}

CheckOptions options_of(uint64_t max_steps, uint64_t max_memory) {
    CheckOptions o;
    o.max_steps = max_steps;
    o.max_memory = max_memory;
    return o;
}

Model named_model(const std::string& name) {
    try {
        return builtin_model(name);
    } catch (const std::invalid_argument& e) {
        throw nb::value_error(e.what());
    }
}

nb::dict check_text(const std::string& text, const std::string& model_name, uint64_t max_steps,
                    uint64_t max_memory) {
    Model model = named_model(model_name);
    History h;
    try {
        h = parse_history(text, model.kind_code);
    } catch (const HistoryParseError& e) {
        throw nb::value_error(e.what());
    }
    CheckResult r;
    {
        nb::gil_scoped_release release;
        r = check(h, model, options_of(max_steps, max_memory));
    }
    nb::dict d = result_dict(r);
    d["operations"] = h.size();
    return d;
}

nb::dict check_builtin(const History& h, const std::string& model_name, uint64_t max_steps, uint64_t max_memory) {
    Model model = named_model(model_name);
    CheckResult r;
    {
        nb::gil_scoped_release release;
        r = check(h, model, options_of(max_steps, max_memory));
    }
    return result_dict(r);
}

/// The checker with a model written in Python: init() -> list[int] and
/// step(state_tuple, op_id) -> list[int] or None (None: op's recorded result is impossible).
/// States are compared word by word (ftkit.history interns richer states to one word), and
/// `parts`, when given, are the op-id lists to check separately.
nb::dict check_python(const nb::list& ops, nb::callable init, nb::callable step, uint64_t max_steps,
                      uint64_t max_memory, std::optional<std::vector<std::vector<uint32_t>>> parts) {
    History h = history_from_tuples(ops);
    Model model;
    model.init = [init] { return nb::cast<State>(init()); };
    model.step = [step](const State& from, const Operation& op, State& to) {
        nb::tuple words = nb::steal<nb::tuple>(PyTuple_New(static_cast<Py_ssize_t>(from.size())));
        for (size_t i = 0; i < from.size(); ++i) PyTuple_SET_ITEM(words.ptr(), i, PyLong_FromLongLong(from[i]));
        nb::object next = step(words, op.id);
        if (next.is_none()) return false;
        to = nb::cast<State>(next);
        return true;
    };
    if (parts) {
        for (const auto& part : *parts) {
            for (uint32_t id : part) {
                if (id >= h.size()) throw nb::value_error("a partition names an operation that does not exist");
            }
        }
        model.partition = [p = *parts](const History&) { return p; };
    }
    return result_dict(check(h, model, options_of(max_steps, max_memory)));
}

/// The Model of a native model handed over in a PyCapsule (include/ftkit/history_model.h).
Model capsule_model(nb::handle capsule) {
    auto* native = static_cast<const ftkit_history_model*>(PyCapsule_GetPointer(capsule.ptr(), FTKIT_HISTORY_MODEL_CAPSULE));
    if (native == nullptr) throw nb::python_error();
    try {
        return native_model(*native);
    } catch (const std::invalid_argument& e) {
        throw nb::value_error(e.what());
    }
}

nb::dict check_native(const nb::list& ops, nb::handle capsule, uint64_t max_steps, uint64_t max_memory) {
    Model model = capsule_model(capsule);
    History h = history_from_tuples(ops);
    CheckResult r;
    {
        nb::gil_scoped_release release;  // native steps are plain C
        r = check(h, model, options_of(max_steps, max_memory));
    }
    return result_dict(r);
}

}  // namespace

void bind_stress(nb::module_& m) {
    m.def("stress_plan",
          [](uint64_t seed, uint64_t trial, int threads, int ops, int kinds, const std::string& strategy,
             int pct_depth) {
              PlanOptions o{threads, ops, kinds, parse_strategy(strategy), pct_depth};
              return plan_steps(make_plan(seed, trial, o));
          },
          nb::arg("seed"), nb::arg("trial"), nb::arg("threads"), nb::arg("ops"), nb::arg("kinds"),
          nb::arg("strategy") = "random", nb::arg("pct_depth") = 2,
          "Trial plan: per thread a list of (kind, arg_seed, perturbation, amount).");
    nb::class_<Runner>(m, "StressRunner")
        .def(nb::init<int, nb::object>(), nb::arg("threads"), nb::arg("progress") = nb::none())
        .def("run", &Runner::run, nb::arg("steps"), nb::arg("calls"))
        .def("close", &Runner::close);
    const CheckOptions defaults;
    m.def("check_history_text", &check_text, nb::arg("text"), nb::arg("model"),
          nb::arg("max_steps") = defaults.max_steps, nb::arg("max_memory") = defaults.max_memory);
    // A History built once from the tuples, so repeated checks (the benchmark) time the search only.
    nb::class_<History>(m, "CheckerHistory")
        .def("__init__", [](History* h, const nb::list& ops) { new (h) History(history_from_tuples(ops)); })
        .def("__len__", &History::size);
    m.def("check_history", &check_builtin, nb::arg("ops"), nb::arg("model"), nb::arg("max_steps") = defaults.max_steps,
          nb::arg("max_memory") = defaults.max_memory);
    m.def("check_history",
          [](const nb::list& ops, const std::string& model, uint64_t max_steps, uint64_t max_memory) {
              return check_builtin(history_from_tuples(ops), model, max_steps, max_memory);
          },
          nb::arg("ops"), nb::arg("model"), nb::arg("max_steps") = defaults.max_steps,
          nb::arg("max_memory") = defaults.max_memory);
    m.def("check_history_python", &check_python, nb::arg("ops"), nb::arg("init"), nb::arg("step"),
          nb::arg("max_steps") = defaults.max_steps, nb::arg("max_memory") = defaults.max_memory,
          nb::arg("parts") = nb::none());
    m.def("history_model_kinds", [](const std::string& name) { return named_model(name).kind_names; },
          nb::arg("model"), "Operation names of a built-in model, by kind code.");
    m.def("check_history_native", &check_native, nb::arg("ops"), nb::arg("capsule"),
          nb::arg("max_steps") = defaults.max_steps, nb::arg("max_memory") = defaults.max_memory);
    m.def("history_native_kinds", [](nb::handle capsule) { return capsule_model(capsule).kind_names; },
          nb::arg("capsule"), "Operation names of a native model (a PyCapsule), by kind code.");
    m.def("monotonic_ns", &monotonic_ns);
}
