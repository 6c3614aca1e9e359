// Contention engine: N reusable native threads released together by a spin barrier per trial.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <thread>
#include <vector>

#include "stress/schedule.hpp"

namespace ftkit::stress {

/// What the engine calls on its threads. The engine knows nothing of Python: the bindings
/// implement attach/detach with the interpreter's thread state and `run` by calling the
/// scenario's operation. A free-threaded interpreter's stop-the-world pause waits for every
/// attached thread, so the engine detaches before blocking, around sleeps, and when a barrier
/// wait drags on. Thread 0 is the thread calling run_trial: it is attached on entry (it
/// comes from Python) and stays so; the others attach for each trial.
class Hooks {
public:
    virtual ~Hooks() = default;
    virtual void thread_started(int /*thread*/) {}
    virtual void thread_stopping(int /*thread*/) {}
    virtual void attach(int /*thread*/) {}
    virtual void detach(int /*thread*/) {}
    /// Run step `slot` of `thread`'s plan; record its result itself (in per-thread storage).
    virtual void run(int thread, int slot, const Step& step) = 0;
};

struct OpTiming {
    uint64_t call = 0;  ///< monotonic nanoseconds just before the operation
    uint64_t ret = 0;   ///< and just after it
};

/// The per-thread "started / finished" slot counters a crash leaves behind: 2 int32 per
/// thread, written with release stores so a parent process reading shared memory after a
/// SIGSEGV sees which operations were in flight. Null to skip.
struct ProgressSlots {
    int32_t* words = nullptr;
};

uint64_t monotonic_ns();

class Engine {
public:
    Engine(int threads, Hooks& hooks, ProgressSlots progress = {});
    ~Engine();  // stops and joins the threads
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    int threads() const { return threads_; }

    /// Run one trial to completion. plan.threads.size() must equal threads(); timings gets
    /// one OpTiming per step per thread. The caller runs thread 0's steps itself (one thread
    /// fewer to wake per trial, and on a 2-core machine 2 threads need no third to wait).
    void run_trial(const TrialPlan& plan, std::vector<std::vector<OpTiming>>& timings);

private:
    void worker(int t);
    void run_steps(int t);
    void barrier(int t);
    void perturb(int t, size_t i, const Step& step);
    template <typename Pred>
    void wait_until(int t, Pred released, uint64_t pause_ns = 2'000);  // spin, yield, detach if it drags on

    /// Per thread, steps reached this trial (i + 1 once step i is about to run; kDone after the
    /// last): what a kPair wait watches. One cache line each, so waiting threads do not share.
    struct alignas(64) Reached {
        std::atomic<int32_t> steps{0};
        /// A kPair wait in progress: partner << 32 | the partner's step waited for; -1 if none.
        std::atomic<int64_t> waiting{-1};
    };
    bool waits_for_me(int t, int partner) const;
    static constexpr int32_t kDone = INT32_MAX;

    Hooks& hooks_;
    ProgressSlots progress_;
    int threads_;
    std::vector<std::thread> workers_;
    const TrialPlan* plan_ = nullptr;
    std::vector<std::vector<OpTiming>>* timings_ = nullptr;
    std::atomic<uint64_t> generation_{0};  // bumped to start a trial; wait/notify (futex)
    std::atomic<int> finished_{0};
    std::atomic<int> arrived_{0};
    std::atomic<uint64_t> phase_{0};
    std::atomic<bool> stop_{false};
    std::vector<Reached> reached_;
};

}  // namespace ftkit::stress
