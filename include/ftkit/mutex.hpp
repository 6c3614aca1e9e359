/* ftkit: a mutex that never deadlocks against the GIL, usable with std::lock_guard/scoped_lock.
 *
 * 3.13+ (GIL and free-threaded builds): PyMutex, public since 3.13 (gh-117511). It is one byte,
 * needs no initialisation beyond zero, and PyMutex_Lock detaches the thread state while it
 * blocks, so a thread waiting for it lets others run Python code (Doc/c-api/init.rst, PyMutex).
 * Before 3.13 (GIL builds only): std::mutex, and a blocked lock() releases the GIL around the
 * wait (Py_BEGIN_ALLOW_THREADS) when the calling thread holds it; otherwise thread A holding the
 * mutex and waiting for the GIL, and thread B holding the GIL and waiting for the mutex, would
 * deadlock.
 *
 * Satisfies Lockable (lock, try_lock, unlock). It is not recursive. Holding it across calls into
 * Python code is allowed (it does not get suspended like a critical section does), but then
 * another thread entering the same mutex from inside a critical section can deadlock: prefer
 * ftkit::critical_section for protecting a Python object's own state.
 */
#ifndef FTKIT_MUTEX_HPP
#define FTKIT_MUTEX_HPP

#include "config.hpp"

#if defined(__cplusplus)

#if !FTKIT_PY_AT_LEAST(3, 13)
#include <mutex>
#endif

namespace ftkit {

#if FTKIT_PY_AT_LEAST(3, 13)

/* try_lock sets the lock bit the way PyMutex's own inline fast path does (Include/cpython/lock.h:
 * _PyMutex_Lock compares-and-swaps _bits from _Py_UNLOCKED to _Py_LOCKED) and Python/lock.c
 * (_PyMutex_LockTimed with timeout 0: take the lock if its _Py_LOCKED bit is clear, keeping the
 * _Py_HAS_PARKED bit). The public API has no try-lock, so this leans on the documented layout. */
FTKIT_STATIC_ASSERT(sizeof(PyMutex) == 1, "PyMutex is {uint8_t _bits;} (Include/cpython/lock.h, 3.13+)");
FTKIT_STATIC_ASSERT(_Py_LOCKED == 1, "_Py_LOCKED is bit 0 of PyMutex._bits (Include/cpython/lock.h)");

class mutex {
public:
    constexpr mutex() noexcept : m_{0} {}
    mutex(const mutex &) = delete;
    mutex &operator=(const mutex &) = delete;

    void lock() noexcept { PyMutex_Lock(&m_); }
    void unlock() noexcept { PyMutex_Unlock(&m_); }
    bool try_lock() noexcept {
        uint8_t bits = _Py_atomic_load_uint8_relaxed(&m_._bits);
        while ((bits & _Py_LOCKED) == 0) {
            if (_Py_atomic_compare_exchange_uint8(&m_._bits, &bits, static_cast<uint8_t>(bits | _Py_LOCKED))) {
                return true;
            }
        }
        return false;
    }
    /** The raw PyMutex, for PyCriticalSection_BeginMutex (3.14+) or C code. */
    PyMutex *native_handle() noexcept { return &m_; }

private:
    PyMutex m_;
};

#else  // before 3.13: GIL builds only

class mutex {
public:
    constexpr mutex() noexcept = default;
    mutex(const mutex &) = delete;
    mutex &operator=(const mutex &) = delete;

    void lock() {
        if (m_.try_lock()) return;
        if (holds_gil()) {
            Py_BEGIN_ALLOW_THREADS
            m_.lock();
            Py_END_ALLOW_THREADS
        } else {
            m_.lock();
        }
    }
    void unlock() { m_.unlock(); }
    bool try_lock() { return m_.try_lock(); }

private:
    /* Does the calling thread hold the GIL? PyGILState_Check() would say 1 whenever the GILState
     * checks are off (3.9-3.11, e.g. once a subinterpreter exists), so compare pointers instead. */
    static bool holds_gil() {
#if FTKIT_PY_AT_LEAST(3, 12)
        // 3.12: _PyThreadState_UncheckedGet reads a thread-local, set while this thread holds
        // the GIL (Python/pystate.c, current_fast_get).
        return _PyThreadState_UncheckedGet() != NULL;
#else
        // 3.9-3.11: _PyThreadState_UncheckedGet is the one global "current" thread state, i.e.
        // the GIL holder's, whichever thread that is (Python/pystate.c, gilstate.tstate_current).
        // It is ours iff it is the thread state registered for this thread. Only the pointers are
        // compared: another thread's state may be freed at any moment.
        PyThreadState *current = _PyThreadState_UncheckedGet();
        return current != NULL && current == PyGILState_GetThisThreadState();
#endif
    }

    std::mutex m_;
};

#endif

}  // namespace ftkit
#endif /* __cplusplus */

#endif /* FTKIT_MUTEX_HPP */
