// Cost of each ftkit lock helper against the raw C API it wraps, in one process (Google
// Benchmark, embedding CPython). Pairs are named raw/<op> and ftkit/<op>; bench/locks_ratios.py
// builds this for several interpreters and prints ftkit/raw ratios.
#include <Python.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

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
long g_counter;  // the "protected state" every operation touches
thread_local bool t_holds_gil;  // Google Benchmark's thread 0 is the main thread, which holds it

// One operation per struct, raw C API and ftkit helper side by side.
struct RawCriticalSection {
    static void op() {
        Py_BEGIN_CRITICAL_SECTION(g_obj_a);
        benchmark::DoNotOptimize(++g_counter);
        Py_END_CRITICAL_SECTION();
    }
};
struct FtkitCriticalSection {
    static void op() {
        ftkit::critical_section cs(g_obj_a);
        benchmark::DoNotOptimize(++g_counter);
    }
};
struct RawCriticalSection2 {
    static void op() {
        Py_BEGIN_CRITICAL_SECTION2(g_obj_a, g_obj_b);
        benchmark::DoNotOptimize(++g_counter);
        Py_END_CRITICAL_SECTION2();
    }
};
struct FtkitCriticalSection2 {
    static void op() {
        ftkit::critical_section2 cs(g_obj_a, g_obj_b);
        benchmark::DoNotOptimize(++g_counter);
    }
};

#if FTKIT_PY_AT_LEAST(3, 13)
PyMutex g_raw_mutex = {0};
struct RawMutex {
    static void op() {
        PyMutex_Lock(&g_raw_mutex);
        benchmark::DoNotOptimize(++g_counter);
        PyMutex_Unlock(&g_raw_mutex);
    }
};
#else
// Before 3.13 there is no PyMutex: the raw alternative is PyThread_type_lock, released around a
// blocking wait by hand (what ftkit::mutex does for you).
PyThread_type_lock g_raw_mutex;
struct RawMutex {
    static void op() {
        if (!PyThread_acquire_lock(g_raw_mutex, NOWAIT_LOCK)) {
            if (t_holds_gil) {
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
};
#endif
ftkit::mutex g_mutex;
struct FtkitMutex {
    static void op() {
        std::lock_guard<ftkit::mutex> guard(g_mutex);
        benchmark::DoNotOptimize(++g_counter);
    }
};

struct RawDictGetItemRef {
    static void op() {
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
};
struct FtkitDictGetItemRef {
    static void op() {
        PyObject *value;
        ftkit::dict_get_item_ref(g_dict, g_key, &value);
        benchmark::DoNotOptimize(value);
        Py_XDECREF(value);
    }
};

ftkit::borrow_flag g_flag;
struct Unprotected {
    static void op() { benchmark::DoNotOptimize(++g_counter); }
};
struct SharedBorrow {
    static void op() {
        ftkit::shared_borrow b(g_flag, "Bench");
        benchmark::DoNotOptimize(++g_counter);
    }
};
struct ExclusiveBorrow {
    static void op() {
        ftkit::exclusive_borrow b(g_flag, "Bench");
        benchmark::DoNotOptimize(++g_counter);
    }
};

std::atomic<bool> g_raw_done{true};
ftkit::once g_once;
struct RawOnceDone {
    static void op() { benchmark::DoNotOptimize(g_raw_done.load(std::memory_order_acquire)); }
};
struct FtkitOnceDone {
    static void op() { benchmark::DoNotOptimize(g_once.call([] { return 0; })); }
};

// Each operation alone (Google Benchmark's own timing); also the contended runs (->Threads(2)).
template <class Op>
void single(benchmark::State &state) {
    t_holds_gil = state.thread_index() == 0;
    for (auto _ : state) Op::op();
}

// Two threads contending, A and B alternating in blocks: both threads enter each block together
// (a spin barrier outside the timed region), so every block is contended on the same side.
std::atomic<unsigned> g_arrived{0};
std::atomic<unsigned> g_generation{0};
void barrier2() {
    unsigned gen = g_generation.load(std::memory_order_acquire);
    if (g_arrived.fetch_add(1, std::memory_order_acq_rel) == 1) {
        g_arrived.store(0, std::memory_order_relaxed);
        g_generation.fetch_add(1, std::memory_order_release);
    } else {
        while (g_generation.load(std::memory_order_acquire) == gen) std::this_thread::yield();
    }
}

// A and B alternating in blocks of `block` operations inside one benchmark, each block timed:
// load from other processes hits both sides alike, and the median of the per-round ratios
// ignores the rounds a burst spoiled. Which side goes first alternates too. Contended runs
// (->Threads(2)) enter each block together through barrier2(), so every block is contended on
// the same side; counters are averaged over the threads.
template <class A, class B, int block, bool contended>
void paired_blocks(benchmark::State &state) {
    using clock = std::chrono::steady_clock;
    std::vector<double> ratios, a_ns, b_ns;
    t_holds_gil = !contended || state.thread_index() == 0;
    bool a_first = true;
    for (auto _ : state) {
        clock::duration ta{}, tb{};
        for (int side = 0; side < 2; side++) {
            bool run_a = (side == 0) == a_first;
            if constexpr (contended) barrier2();
            auto t0 = clock::now();
            if (run_a) {
                for (int i = 0; i < block; i++) A::op();
            } else {
                for (int i = 0; i < block; i++) B::op();
            }
            (run_a ? ta : tb) = clock::now() - t0;
        }
        a_first = !a_first;
        ratios.push_back(static_cast<double>(tb.count()) / static_cast<double>(ta.count()));
        a_ns.push_back(std::chrono::duration<double, std::nano>(ta).count() / block);
        b_ns.push_back(std::chrono::duration<double, std::nano>(tb).count() / block);
    }
    auto median = [](std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    using C = benchmark::Counter;
    state.counters["ratio"] = C(median(ratios), C::kAvgThreads);
    state.counters["raw_ns"] = C(median(a_ns), C::kAvgThreads);
    state.counters["helper_ns"] = C(median(b_ns), C::kAvgThreads);
}

template <class A, class B>
void paired(benchmark::State &state) {
    paired_blocks<A, B, 4000, false>(state);
}

template <class A, class B>
void paired_contended(benchmark::State &state) {
    paired_blocks<A, B, 50000, true>(state);  // ~0.3 ms blocks: long enough to really overlap
}

}  // namespace

#define SINGLE(OP, NAME) BENCHMARK_TEMPLATE(single, OP)->Name(NAME)
#define PAIRED(RAW, HELPER, NAME) BENCHMARK_TEMPLATE(paired, RAW, HELPER)->Name("pair/" NAME)->MinTime(0.2)

SINGLE(RawCriticalSection, "raw/critical_section");
SINGLE(FtkitCriticalSection, "ftkit/critical_section");
SINGLE(RawMutex, "raw/mutex_uncontended");
SINGLE(FtkitMutex, "ftkit/mutex_uncontended");
SINGLE(SharedBorrow, "ftkit/borrow_shared");

PAIRED(RawCriticalSection, FtkitCriticalSection, "critical_section");
PAIRED(RawCriticalSection2, FtkitCriticalSection2, "critical_section2");
PAIRED(RawMutex, FtkitMutex, "mutex_uncontended");
BENCHMARK_TEMPLATE(paired_contended, RawMutex, FtkitMutex)
    ->Name("pair/mutex_contended_2threads")->Threads(2)->MinTime(0.2);
PAIRED(RawDictGetItemRef, FtkitDictGetItemRef, "dict_get_item_ref");
PAIRED(RawOnceDone, FtkitOnceDone, "once_done");
PAIRED(Unprotected, SharedBorrow, "borrow_shared_vs_none");
PAIRED(Unprotected, ExclusiveBorrow, "borrow_exclusive_vs_none");
PAIRED(RawCriticalSection, SharedBorrow, "borrow_shared_vs_critical_section");

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
