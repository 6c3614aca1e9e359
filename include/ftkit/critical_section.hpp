/* ftkit: critical sections on one or two objects; real on free-threaded builds, nothing elsewhere.
 *
 * A critical section locks the per-object mutex that free-threaded CPython keeps in every
 * PyObject (ob_mutex). Unlike a plain mutex it is suspended while the thread blocks (on I/O, on
 * another lock, on the GIL switch) and resumed afterwards, so two critical sections can never
 * deadlock each other; the price is that protection lapses across any call that may block or run
 * arbitrary Python code. PyCriticalSection_Begin/End are public since 3.13 (gh-119344; the API
 * itself came with PEP 703 in gh-111569);
 * on GIL builds and before 3.13 the GIL already serialises C code, so the helpers compile to
 * nothing.
 *
 * C (and Cython):   ftkit_critical_section cs; ftkit_critical_section_begin(&cs, obj);
 *                   ... ftkit_critical_section_end(&cs);
 * C++:              ftkit::critical_section cs(obj);   // ends at the closing brace
 */
#ifndef FTKIT_CRITICAL_SECTION_HPP
#define FTKIT_CRITICAL_SECTION_HPP

#include "config.hpp"

#if FTKIT_FREE_THREADED
/* The struct members of PyCriticalSection{,2} are defined only when Py_GIL_DISABLED
 * (Include/cpython/critical_section.h, 3.13 and 3.14); a GIL build declares them incomplete. */
FTKIT_STATIC_ASSERT(sizeof(PyCriticalSection) == 2 * sizeof(void *),
                    "PyCriticalSection is {uintptr_t _cs_prev; PyMutex *_cs_mutex;} (3.13/3.14)");
FTKIT_STATIC_ASSERT(sizeof(PyCriticalSection2) == 3 * sizeof(void *),
                    "PyCriticalSection2 adds PyMutex *_cs_mutex2 (3.13/3.14)");
typedef struct ftkit_critical_section { PyCriticalSection cs; } ftkit_critical_section;
typedef struct ftkit_critical_section2 { PyCriticalSection2 cs; } ftkit_critical_section2;
#else
typedef struct ftkit_critical_section { char unused; } ftkit_critical_section;
typedef struct ftkit_critical_section2 { char unused; } ftkit_critical_section2;
#endif

FTKIT_INLINE void ftkit_critical_section_begin(ftkit_critical_section *c, PyObject *op) {
#if FTKIT_FREE_THREADED
    PyCriticalSection_Begin(&c->cs, op);
#else
    (void)c;
    (void)op;
#endif
}

FTKIT_INLINE void ftkit_critical_section_end(ftkit_critical_section *c) {
#if FTKIT_FREE_THREADED
    PyCriticalSection_End(&c->cs);
#else
    (void)c;
#endif
}

/* Locks both objects in a fixed (address) order, so begin2(a, b) and begin2(b, a) in two threads
 * cannot deadlock; a == b is allowed and locks once (Python/critical_section.c). */
FTKIT_INLINE void ftkit_critical_section2_begin(ftkit_critical_section2 *c, PyObject *a, PyObject *b) {
#if FTKIT_FREE_THREADED
    PyCriticalSection2_Begin(&c->cs, a, b);
#else
    (void)c;
    (void)a;
    (void)b;
#endif
}

FTKIT_INLINE void ftkit_critical_section2_end(ftkit_critical_section2 *c) {
#if FTKIT_FREE_THREADED
    PyCriticalSection2_End(&c->cs);
#else
    (void)c;
#endif
}

#if defined(__cplusplus)
namespace ftkit {

/** RAII critical section on one object: `ftkit::critical_section cs(self);`. */
class critical_section {
public:
    explicit critical_section(PyObject *op) { ftkit_critical_section_begin(&cs_, op); }
#if FTKIT_FREE_THREADED && FTKIT_PY_AT_LEAST(3, 14)
    /** Critical section on a PyMutex of your own: PyCriticalSection_BeginMutex is public since
        3.14 (gh-133296; in 3.14's Include/cpython/critical_section.h, absent from 3.13's). */
    explicit critical_section(PyMutex *m) { PyCriticalSection_BeginMutex(&cs_.cs, m); }
#endif
    ~critical_section() { ftkit_critical_section_end(&cs_); }
    critical_section(const critical_section &) = delete;
    critical_section &operator=(const critical_section &) = delete;

private:
    ftkit_critical_section cs_;
};

/** RAII critical section on two objects at once (deadlock-free whatever the argument order). */
class critical_section2 {
public:
    critical_section2(PyObject *a, PyObject *b) { ftkit_critical_section2_begin(&cs_, a, b); }
    ~critical_section2() { ftkit_critical_section2_end(&cs_); }
    critical_section2(const critical_section2 &) = delete;
    critical_section2 &operator=(const critical_section2 &) = delete;

private:
    ftkit_critical_section2 cs_;
};

}  // namespace ftkit
#endif

#endif /* FTKIT_CRITICAL_SECTION_HPP */
