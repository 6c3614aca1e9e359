/* ftkit: a borrow guard, for types that declare "shared objects are read-only".
 *
 * Some libraries do not lock their objects: they document that mutating an object while another
 * thread uses it is the caller's bug (python-flint; NumPy's stated stance for arrays). Under the
 * GIL such a bug gives wrong answers at worst; without it, a reader may walk a buffer that a
 * writer just freed, and the process crashes. A borrow_flag in the object turns that crash into
 * RuntimeError("concurrent mutation of <Type> ..."): a reader takes a shared borrow, a writer an
 * exclusive one, and a borrow that conflicts with one in progress fails instead of waiting (the
 * model of Rust's RefCell, and of PyO3's "Already borrowed" for #[pyclass]).
 *
 * Cost: one atomic read-modify-write to enter and one to leave, on the object's own cache line;
 * nothing on GIL builds, where the GIL already keeps a method that does not release it from
 * overlapping another (define FTKIT_BORROW_GUARD_ALWAYS to keep it on, e.g. for methods that
 * release the GIL around long work).
 *
 *   struct MatrixObject { PyObject_HEAD ftkit::borrow_flag borrows; ... };
 *   ftkit::shared_borrow b(self->borrows, "Matrix");     // in a reader
 *   if (!b) return NULL;                                  // RuntimeError is set
 */
#ifndef FTKIT_BORROW_GUARD_HPP
#define FTKIT_BORROW_GUARD_HPP

#include "config.hpp"

#if defined(__cplusplus)
#include <atomic>
#include <cstdint>

#if FTKIT_FREE_THREADED || defined(FTKIT_BORROW_GUARD_ALWAYS)
#define FTKIT_BORROW_GUARD_ACTIVE 1
#else
#define FTKIT_BORROW_GUARD_ACTIVE 0
#endif

namespace ftkit {

/** Per-object marker: the number of readers, plus a writer bit. Zero-initialised = free. */
class borrow_flag {
public:
    constexpr borrow_flag() noexcept = default;
    borrow_flag(const borrow_flag &) = delete;
    borrow_flag &operator=(const borrow_flag &) = delete;

    /** 0, or -1 with RuntimeError set when a writer holds the object. */
    int enter_read(const char *type_name) noexcept {
#if FTKIT_BORROW_GUARD_ACTIVE
        std::uint32_t prev = state_.fetch_add(1, std::memory_order_acquire);
        if (prev & kWriter) {
            state_.fetch_sub(1, std::memory_order_relaxed);
            return fail(type_name, "it is being modified by another thread while this one reads it");
        }
#else
        (void)type_name;
#endif
        return 0;
    }
    void exit_read() noexcept {
#if FTKIT_BORROW_GUARD_ACTIVE
        state_.fetch_sub(1, std::memory_order_release);
#endif
    }

    /** 0, or -1 with RuntimeError set when any reader or writer holds the object. */
    int enter_write(const char *type_name) noexcept {
#if FTKIT_BORROW_GUARD_ACTIVE
        std::uint32_t expected = 0;
        if (!state_.compare_exchange_strong(expected, kWriter, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
            return fail(type_name, (expected & kWriter)
                                       ? "another thread is modifying it at the same time"
                                       : "another thread is reading it while this one modifies it");
        }
#else
        (void)type_name;
#endif
        return 0;
    }
    void exit_write() noexcept {
#if FTKIT_BORROW_GUARD_ACTIVE
        // fetch_sub, not store(0): a failing reader may have incremented and not yet undone it.
        state_.fetch_sub(kWriter, std::memory_order_release);
#endif
    }

private:
    static constexpr std::uint32_t kWriter = 0x80000000u;
    static int fail(const char *type_name, const char *why) noexcept {
        PyErr_Format(PyExc_RuntimeError, "concurrent mutation of %s object: %s", type_name, why);
        return -1;
    }
#if FTKIT_BORROW_GUARD_ACTIVE
    std::atomic<std::uint32_t> state_{0};
    static_assert(std::atomic<std::uint32_t>::is_always_lock_free,
                  "the borrow flag must be a plain lock-free word inside the object");
#endif
};

/** RAII shared (read) borrow; test it with `if (!b) return NULL;`. */
class shared_borrow {
public:
    shared_borrow(borrow_flag &flag, const char *type_name) noexcept
        : flag_(flag), ok_(flag.enter_read(type_name) == 0) {}
    ~shared_borrow() {
        if (ok_) flag_.exit_read();
    }
    explicit operator bool() const noexcept { return ok_; }
    shared_borrow(const shared_borrow &) = delete;
    shared_borrow &operator=(const shared_borrow &) = delete;

private:
    borrow_flag &flag_;
    bool ok_;
};

/** RAII exclusive (write) borrow; test it with `if (!b) return NULL;`. */
class exclusive_borrow {
public:
    exclusive_borrow(borrow_flag &flag, const char *type_name) noexcept
        : flag_(flag), ok_(flag.enter_write(type_name) == 0) {}
    ~exclusive_borrow() {
        if (ok_) flag_.exit_write();
    }
    explicit operator bool() const noexcept { return ok_; }
    exclusive_borrow(const exclusive_borrow &) = delete;
    exclusive_borrow &operator=(const exclusive_borrow &) = delete;

private:
    borrow_flag &flag_;
    bool ok_;
};

}  // namespace ftkit
#endif /* __cplusplus */

#endif /* FTKIT_BORROW_GUARD_HPP */
