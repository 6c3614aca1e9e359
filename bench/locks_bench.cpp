// Cost of each ftkit lock helper against the raw C API it wraps, in one process (Google
// Benchmark, embedding CPython). Pairs are named raw/<op> and ftkit/<op>; bench/locks_ratios.py
// builds this for several interpreters and prints ftkit/raw ratios.
#include <Python.h>

#include <benchmark/benchmark.h>

#include <mutex>

#include "ftkit/locks.hpp"

#if !FTKIT_PY_AT_LEAST(3, 13)
// Before 3.13 there are no critical sections (gh-119344 made them public in 3.13): what an author
// writes by hand there is nothing, the GIL serialises the code.
#define Py_BEGIN_CRITICAL_SECTION(op) {
#define Py_END_CRITICAL_SECTION() }
#define Py_BEGIN_CRITICAL_SECTION2(a, b) {
#define Py_END_CRITICAL_SECTION2() }
#endif

namespace {

PyObject *g_obj_a;
PyObject *g_obj_b;
PyObject *g_dict;
PyObject *g_key;
long g_counter;  // the "protected state" every critical section touches

// --- critical section on one object -------------------------------------------------------
void raw_critical_section(benchmark::State &state) {
    for (auto _ : state) {
        Py_BEGIN_CRITICAL_SECTION(g_obj_a);
        benchmark::DoNotOptimize(++g_counter);
        Py_END_CRITICAL_SECTION();
    }
}
void bm_ftkit_critical_section(benchmark::State &state) {
    for (auto _ : state) {
        ftkit::critical_section cs(g_obj_a);
        benchmark::DoNotOptimize(++g_counter);
    }
}

// --- critical section on two objects ------------------------------------------------------
void raw_critical_section2(benchmark::State &state) {
    for (auto _ : state) {
        Py_BEGIN_CRITICAL_SECTION2(g_obj_a, g_obj_b);
        benchmark::DoNotOptimize(++g_counter);
        Py_END_CRITICAL_SECTION2();
    }
}
void bm_ftkit_critical_section2(benchmark::State &state) {
    for (auto _ : state) {
        ftkit::critical_section2 cs(g_obj_a, g_obj_b);
        benchmark::DoNotOptimize(++g_counter);
    }
}

// --- mutex, uncontended and contended (run with ->Threads(2)) ------------------------------
#if FTKIT_PY_AT_LEAST(3, 13)
PyMutex g_raw_mutex = {0};
void raw_lock(benchmark::State &state) {
    for (auto _ : state) {
        PyMutex_Lock(&g_raw_mutex);
        benchmark::DoNotOptimize(++g_counter);
        PyMutex_Unlock(&g_raw_mutex);
    }
}
#else
// Before 3.13 there is no PyMutex: the raw alternative is PyThread_type_lock, released around
// a blocking wait by hand (what ftkit::mutex does for you).
PyThread_type_lock g_raw_mutex;
void raw_lock(benchmark::State &state) {
    for (auto _ : state) {
        if (!PyThread_acquire_lock(g_raw_mutex, NOWAIT_LOCK)) {
            if (state.thread_index() == 0) {
                Py_BEGIN_ALLOW_THREADS
                PyThread_acquire_lock(g_raw_mutex, WAIT_LOCK);
                Py_END_ALLOW_THREADS
            } else {
                PyThread_acquire_lock(g_raw_mutex, WAIT_LOCK);
            }
        }
        benchmark::DoNotOptimize(++g_counter);
        PyThread_release_lock(g_raw_mutex);
    }
}
#endif
ftkit::mutex g_mutex;
void ftkit_lock(benchmark::State &state) {
    for (auto _ : state) {
        std::lock_guard<ftkit::mutex> guard(g_mutex);
        benchmark::DoNotOptimize(++g_counter);
    }
}

// --- strong-reference getter --------------------------------------------------------------
void raw_dict_get_item_ref(benchmark::State &state) {
    for (auto _ : state) {
        PyObject *value;
#if FTKIT_PY_AT_LEAST(3, 13)
        PyDict_GetItemRef(g_dict, g_key, &value);
#else
        value = PyDict_GetItemWithError(g_dict, g_key);  // borrowed, then the caller's incref
        Py_XINCREF(value);
#endif
        benchmark::DoNotOptimize(value);
        Py_XDECREF(value);
    }
}
void ftkit_dict_get_item_ref(benchmark::State &state) {
    for (auto _ : state) {
        PyObject *value;
        ftkit::dict_get_item_ref(g_dict, g_key, &value);
        benchmark::DoNotOptimize(value);
        Py_XDECREF(value);
    }
}

// --- borrow guard per operation (against no protection, and against a critical section) ----
ftkit::borrow_flag g_flag;
void raw_unprotected_read(benchmark::State &state) {
    for (auto _ : state) benchmark::DoNotOptimize(++g_counter);
}
void ftkit_shared_borrow(benchmark::State &state) {
    for (auto _ : state) {
        ftkit::shared_borrow b(g_flag, "Bench");
        benchmark::DoNotOptimize(++g_counter);
    }
}
void ftkit_exclusive_borrow(benchmark::State &state) {
    for (auto _ : state) {
        ftkit::exclusive_borrow b(g_flag, "Bench");
        benchmark::DoNotOptimize(++g_counter);
    }
}

// --- once, after initialisation (the path every later call takes) --------------------------
ftkit::once g_once;
std::atomic<bool> g_raw_done{true};
void raw_once_done(benchmark::State &state) {
    for (auto _ : state) benchmark::DoNotOptimize(g_raw_done.load(std::memory_order_acquire));
}
void ftkit_once_done(benchmark::State &state) {
    for (auto _ : state) benchmark::DoNotOptimize(g_once.call([] { return 0; }));
}

}  // namespace

BENCHMARK(raw_critical_section)->Name("raw/critical_section");
BENCHMARK(bm_ftkit_critical_section)->Name("ftkit/critical_section");
BENCHMARK(raw_critical_section2)->Name("raw/critical_section2");
BENCHMARK(bm_ftkit_critical_section2)->Name("ftkit/critical_section2");
BENCHMARK(raw_lock)->Name("raw/mutex_uncontended");
BENCHMARK(ftkit_lock)->Name("ftkit/mutex_uncontended");
BENCHMARK(raw_lock)->Name("raw/mutex_contended_2threads")->Threads(2)->UseRealTime();
BENCHMARK(ftkit_lock)->Name("ftkit/mutex_contended_2threads")->Threads(2)->UseRealTime();
BENCHMARK(raw_dict_get_item_ref)->Name("raw/dict_get_item_ref");
BENCHMARK(ftkit_dict_get_item_ref)->Name("ftkit/dict_get_item_ref");
BENCHMARK(raw_unprotected_read)->Name("raw/borrow_none");
BENCHMARK(ftkit_shared_borrow)->Name("ftkit/borrow_shared");
BENCHMARK(ftkit_exclusive_borrow)->Name("ftkit/borrow_exclusive");
BENCHMARK(raw_once_done)->Name("raw/once_done");
BENCHMARK(ftkit_once_done)->Name("ftkit/once_done");

int main(int argc, char **argv) {
    Py_Initialize();
    g_obj_a = PyList_New(0);
    g_obj_b = PyList_New(0);
    g_dict = PyDict_New();
    g_key = PyUnicode_FromString("key");
    PyDict_SetItem(g_dict, g_key, g_key);
#if !FTKIT_PY_AT_LEAST(3, 13)
    g_raw_mutex = PyThread_allocate_lock();
#endif
    g_once.call([] { return 0; });
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    Py_Finalize();
    return 0;
}
