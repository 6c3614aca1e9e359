/* ftkit: run an initialiser exactly once (lazy module state), safe from many threads.
 *
 * std::call_once would block a waiting thread while it holds the GIL (or, on free-threaded
 * builds, while attached, stalling a stop-the-world GC); ftkit::once waits on ftkit::mutex, which
 * releases the GIL / detaches while blocked. A failing initialiser (returns -1 with a Python
 * exception set) leaves the once un-done, so the next caller tries again, like a failed import.
 *
 *   static ftkit::once init_once;
 *   static PyObject *table;
 *   if (init_once.call([] { table = build_table(); return table ? 0 : -1; }) < 0) return NULL;
 *
 * From C/Cython: `if (o.begin()) { ok = init(); o.end(ok); }`. Calling call() again from inside
 * the initialiser deadlocks, as with every non-recursive once.
 */
#ifndef FTKIT_ONCE_HPP
#define FTKIT_ONCE_HPP

#include "mutex.hpp"

#if defined(__cplusplus)
#include <atomic>

namespace ftkit {

class once {
public:
    constexpr once() noexcept = default;
    once(const once &) = delete;
    once &operator=(const once &) = delete;

    /** True once an initialiser has succeeded; its writes are visible to the caller. */
    bool done() const noexcept { return done_.load(std::memory_order_acquire); }

    /** Returns true with the lock held if the caller must run the initialiser now (then it must
        call end()); false if it already ran. */
    bool begin() {
        if (done()) return false;
        mutex_.lock();
        if (done_.load(std::memory_order_relaxed)) {
            mutex_.unlock();
            return false;
        }
        return true;
    }

    /** Publishes the initialiser's result (ok: never run again) and releases the lock. */
    void end(bool ok) {
        if (ok) done_.store(true, std::memory_order_release);
        mutex_.unlock();
    }

    /** Runs f() (returning 0, or -1 with an exception set) unless a call already succeeded. */
    template <class F>
    int call(F &&f) {
        if (!begin()) return 0;
        int rc = -1;
        try {
            rc = f();
        } catch (...) {
            end(false);
            throw;
        }
        end(rc == 0);
        return rc;
    }

private:
    std::atomic<bool> done_{false};
    mutex mutex_;
};

}  // namespace ftkit
#endif /* __cplusplus */

#endif /* FTKIT_ONCE_HPP */
