// Worker loop, spin barrier and perturbation of the contention engine.
#include "stress/engine.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FTKIT_PAUSE() _mm_pause()
#else
#define FTKIT_PAUSE() std::this_thread::yield()
#endif

namespace ftkit::stress {

uint64_t monotonic_ns() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

namespace {
/// The CPUs the process may run on, as it started (before any engine thread was pinned).
const std::vector<int>& allowed_cpus() {
    static const std::vector<int> cpus = [] {
        std::vector<int> out;
#if defined(__linux__)
        cpu_set_t allowed;
        if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
            for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
                if (CPU_ISSET(cpu, &allowed)) out.push_back(cpu);
        }
#endif
        return out;
    }();
    return cpus;
}

/// Pin the calling thread to the t-th allowed CPU, when there are more than t of them.
/// On a loaded machine two unpinned threads of one process mostly share one CPU's run queue and
/// take turns on it: their operations never overlap (measured on the busy 2-core VM: a partner
/// released 50 us late, after each wait ended in a yield). Pinned, each waits for its own CPU,
/// and whenever both run they run at the same time.
void pin_to_cpu(int t) {
    const auto& cpus = allowed_cpus();
    if (cpus.size() < 2 || static_cast<size_t>(t) >= cpus.size()) return;
#if defined(__linux__)
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[static_cast<size_t>(t)], &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
#endif
}
}  // namespace

Engine::Engine(int threads, Hooks& hooks, ProgressSlots progress)
    : hooks_(hooks), progress_(progress), threads_(threads) {
    if (threads < 1) throw std::invalid_argument("the engine needs at least one thread");
    reached_ = std::vector<Reached>(static_cast<size_t>(threads));
    // Each thread on its own CPU, computed from the affinity the process started with.
    allowed_cpus();  // read before thread 0 is pinned
    workers_.reserve(static_cast<size_t>(threads - 1));
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker(t); });
    pin_to_cpu(0);
}

Engine::~Engine() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
}

namespace {
// Back-to-back trials: spinning this long (pause only: a yield hands the CPU away) before a
// futex wait keeps the worker threads on their CPUs while thread 0 judges the last trial and
// plans the next (a few hundred us in Python), so the next trial starts with every thread
// running. A thread that blocked must be scheduled again first, which on a loaded machine
// takes milliseconds, and the threads then rarely run at the same time. Bounded by time, not
// by count: `pause` takes 10 to 140 cycles depending on the CPU.
constexpr uint64_t kSpinBeforeBlockingNs = 1'000'000;
// At the barrier: spin this long, then yield (more threads than cores: let the others run).
constexpr uint64_t kSpinAtBarrierNs = 20'000;
// At a kPair wait: pause (never yield) this long. The partner is a few hundred ns away when
// both run; a yield costs microseconds on a loaded machine, longer than the operations whose
// start offsets the pair is there to control (measured: releases 3 us late with a 2 us pause).
// With the threads pinned to distinct CPUs (pin_to_cpu) a partner that has not arrived is not
// running on its CPU, and spinning costs it nothing: when it is scheduled again both run, and the
// pairs line their operations up. So pause until the detach threshold.
constexpr uint64_t kPauseAtPairNs = 2'000'000;
// Waiting this long at the barrier means a thread is not running; detach while waiting.
constexpr uint64_t kWaitBeforeDetachNs = 2'000'000;

/// Wait until pred() or until budget_ns passed; true if pred() became true. Pauses for the
/// first 2 us, then yields: with more runnable threads than cores the one we wait for may be
/// queued behind us on this core.
template <typename Pred>
bool spin_for(uint64_t budget_ns, Pred pred, uint64_t pause_ns = 2'000) {
    uint64_t start = 0;
    bool yielding = false;
    for (uint32_t i = 0;; ++i) {
        if (pred()) return true;
        if ((i & 15) == 0) {
            uint64_t now = monotonic_ns();
            if (start == 0) start = now;
            else if (now - start >= budget_ns) return false;
            yielding = now - start > pause_ns;
        }
        if (yielding) std::this_thread::yield();
        else FTKIT_PAUSE();
    }
}
}  // namespace

void Engine::run_trial(const TrialPlan& plan, std::vector<std::vector<OpTiming>>& timings) {
    if (plan.threads.size() != static_cast<size_t>(threads_)) {
        throw std::invalid_argument("plan and engine thread counts differ");
    }
    timings.resize(plan.threads.size());
    for (size_t t = 0; t < plan.threads.size(); ++t) timings[t].assign(plan.threads[t].size(), OpTiming{});
    plan_ = &plan;
    timings_ = &timings;
    finished_.store(0);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    run_steps(0);
    const int others = threads_ - 1;
    auto all_done = [&] { return finished_.load(std::memory_order_acquire) == others; };
    if (spin_for(kSpinBeforeBlockingNs, all_done, kSpinBeforeBlockingNs)) return;
    hooks_.detach(0);
    for (int done; (done = finished_.load(std::memory_order_acquire)) != others;) finished_.wait(done);
    hooks_.attach(0);
}

// Spin, because a blocking barrier (or Python's threading.Barrier) releases threads microseconds
// apart and narrow race windows close before the last one wakes.
void Engine::barrier(int t) {
    uint64_t phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
        arrived_.store(0, std::memory_order_relaxed);
        phase_.store(phase + 1, std::memory_order_release);
        return;
    }
    wait_until(t, [&] { return phase_.load(std::memory_order_acquire) != phase; }, kPauseAtPairNs);
}

template <typename Pred>
void Engine::wait_until(int t, Pred released, uint64_t pause_ns) {
    if (spin_for(std::max(kSpinAtBarrierNs, pause_ns), released, pause_ns)) return;
    bool detached = false;
    for (uint64_t since = monotonic_ns(); !released();) {
        std::this_thread::yield();
        if (!detached && monotonic_ns() - since > kWaitBeforeDetachNs) {
            hooks_.detach(t);  // never hold up a stop-the-world pause from a barrier
            detached = true;
        }
    }
    if (detached) hooks_.attach(t);
}

void Engine::perturb(int t, size_t i, const Step& step) {
    reached_[static_cast<size_t>(t)].steps.store(static_cast<int32_t>(i + 1), std::memory_order_release);
    switch (step.perturb) {
        case Perturb::kNone: break;
        case Perturb::kYield: std::this_thread::yield(); break;
        case Perturb::kSpin:
            for (uint32_t i = 0; i < step.amount; ++i) FTKIT_PAUSE();
            break;
        case Perturb::kSleep:
            hooks_.detach(t);  // a sleeping attached thread would stall stop-the-world pauses
            std::this_thread::sleep_for(std::chrono::microseconds(step.amount));
            hooks_.attach(t);
            break;
        case Perturb::kPair: {
            // A pairwise spin barrier: the partner has reached its step (or finished), then the
            // skew. The wait is one-directional per side; plans pair steps so none waits in a cycle.
            PairWait w = pair_wait(step.amount);
            if (w.thread != t && w.thread < threads_) {
                auto& partner = reached_[static_cast<size_t>(w.thread)].steps;
                auto& self = reached_[static_cast<size_t>(t)].waiting;
                self.store(static_cast<int64_t>(w.thread) << 32 | w.step, std::memory_order_release);
                // Released when the partner gets there, or when the waits form a cycle: a plan the
                // minimiser cut (steps dropped, so pair indices no longer line up) must not hang.
                wait_until(t, [&] {
                    return partner.load(std::memory_order_acquire) > w.step || waits_for_me(t, w.thread);
                }, kPauseAtPairNs);
                self.store(-1, std::memory_order_release);
            }
            if (w.skew_ns > 0) {
                uint64_t until = monotonic_ns() + w.skew_ns;
                while (monotonic_ns() < until) {
                }
            }
            break;
        }
    }
}

/// Whether `partner` is blocked on a chain of pair waits that comes back to `t` (a cycle: each
/// thread in it waits for a step its own partner has not reached, so none would ever go on).
bool Engine::waits_for_me(int t, int partner) const {
    int u = partner;
    for (int hops = 0; hops < threads_; ++hops) {
        int64_t waiting = reached_[static_cast<size_t>(u)].waiting.load(std::memory_order_acquire);
        if (waiting < 0) return false;
        int next = static_cast<int>(waiting >> 32);
        int32_t step = static_cast<int32_t>(waiting & 0xffffffff);
        if (reached_[static_cast<size_t>(next)].steps.load(std::memory_order_acquire) > step) return false;
        if (next == t) return true;
        u = next;
    }
    return false;
}

void Engine::run_steps(int t) {
    const auto& steps = plan_->threads[static_cast<size_t>(t)];
    auto& times = (*timings_)[static_cast<size_t>(t)];
    int32_t* started = progress_.words ? &progress_.words[2 * t] : nullptr;
    int32_t* done = progress_.words ? &progress_.words[2 * t + 1] : nullptr;
    if (started) {
        std::atomic_ref<int32_t>(*started).store(0, std::memory_order_release);
        std::atomic_ref<int32_t>(*done).store(0, std::memory_order_release);
    }
    reached_[static_cast<size_t>(t)].steps.store(0, std::memory_order_release);
    barrier(t);
    for (size_t i = 0; i < steps.size(); ++i) {
        perturb(t, i, steps[i]);
        if (started) std::atomic_ref<int32_t>(*started).store(static_cast<int32_t>(i + 1), std::memory_order_release);
        times[i].call = monotonic_ns();
        hooks_.run(t, static_cast<int>(i), steps[i]);
        times[i].ret = monotonic_ns();
        if (done) std::atomic_ref<int32_t>(*done).store(static_cast<int32_t>(i + 1), std::memory_order_release);
    }
    reached_[static_cast<size_t>(t)].steps.store(kDone, std::memory_order_release);  // nobody waits on it now
}

void Engine::worker(int t) {
    pin_to_cpu(t);
    hooks_.thread_started(t);
    uint64_t seen = 0;
    for (;;) {
        spin_for(kSpinBeforeBlockingNs, [&] { return generation_.load(std::memory_order_acquire) != seen; },
                 kSpinBeforeBlockingNs);
        uint64_t g = generation_.load(std::memory_order_acquire);
        while (g == seen) {
            generation_.wait(seen);
            g = generation_.load(std::memory_order_acquire);
        }
        seen = g;
        if (stop_.load()) break;
        hooks_.attach(t);
        run_steps(t);
        hooks_.detach(t);
        if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_ - 1) finished_.notify_all();
    }
    hooks_.thread_stopping(t);
}

}  // namespace ftkit::stress
