// Worker loop, spin barrier and perturbation of the contention engine.
#include "stress/engine.hpp"

#include <chrono>
#include <stdexcept>

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

Engine::Engine(int threads, Hooks& hooks, ProgressSlots progress)
    : hooks_(hooks), progress_(progress), threads_(threads) {
    if (threads < 1) throw std::invalid_argument("the engine needs at least one thread");
    workers_.reserve(static_cast<size_t>(threads - 1));
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker(t); });
}

Engine::~Engine() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
}

namespace {
// Back-to-back trials: spinning this long before a futex wait saves a wake-up (tens of
// microseconds on a loaded machine) per thread per trial. Bounded by time, not by count:
// `pause` takes 10 to 140 cycles depending on the CPU.
constexpr uint64_t kSpinBeforeBlockingNs = 20'000;
// At the barrier: spin this long, then yield (more threads than cores: let the others run).
constexpr uint64_t kSpinAtBarrierNs = 20'000;
// Waiting this long at the barrier means a thread is not running; detach while waiting.
constexpr uint64_t kWaitBeforeDetachNs = 2'000'000;

/// Wait until pred() or until budget_ns passed; true if pred() became true. Pauses for the
/// first 2 us, then yields: with more runnable threads than cores the one we wait for may be
/// queued behind us on this core.
template <typename Pred>
bool spin_for(uint64_t budget_ns, Pred pred) {
    uint64_t start = 0;
    bool yielding = false;
    for (uint32_t i = 0;; ++i) {
        if (pred()) return true;
        if ((i & 15) == 0) {
            uint64_t now = monotonic_ns();
            if (start == 0) start = now;
            else if (now - start >= budget_ns) return false;
            yielding = now - start > 2'000;
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
    if (spin_for(kSpinBeforeBlockingNs, all_done)) return;
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
    auto released = [&] { return phase_.load(std::memory_order_acquire) != phase; };
    if (spin_for(kSpinAtBarrierNs, released)) return;
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

void Engine::perturb(int t, const Step& step) {
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
    }
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
    barrier(t);
    for (size_t i = 0; i < steps.size(); ++i) {
        perturb(t, steps[i]);
        if (started) std::atomic_ref<int32_t>(*started).store(static_cast<int32_t>(i + 1), std::memory_order_release);
        times[i].call = monotonic_ns();
        hooks_.run(t, static_cast<int>(i), steps[i]);
        times[i].ret = monotonic_ns();
        if (done) std::atomic_ref<int32_t>(*done).store(static_cast<int32_t>(i + 1), std::memory_order_release);
    }
}

void Engine::worker(int t) {
    hooks_.thread_started(t);
    uint64_t seen = 0;
    for (;;) {
        spin_for(kSpinBeforeBlockingNs, [&] { return generation_.load(std::memory_order_acquire) != seen; });
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
