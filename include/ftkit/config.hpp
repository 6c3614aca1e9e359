/* ftkit lock helpers: version and build detection shared by every header (C and C++). */
#ifndef FTKIT_CONFIG_HPP
#define FTKIT_CONFIG_HPP

#include <Python.h>

/* The helpers use the full (non-limited) C API: PyMutex and PyCriticalSection live in
 * Include/cpython/ (3.13+), which Py_LIMITED_API hides. */
#if defined(Py_LIMITED_API)
#  error "ftkit/locks.hpp needs the full C API: PyMutex and PyCriticalSection are not in the limited API"
#endif

/* Py_GIL_DISABLED is defined by pyconfig.h of free-threaded builds (PEP 703, 3.13+). */
#if defined(Py_GIL_DISABLED)
#  define FTKIT_FREE_THREADED 1
#else
#  define FTKIT_FREE_THREADED 0
#endif

#define FTKIT_PY_AT_LEAST(major, minor) (PY_VERSION_HEX >= (((major) << 24) | ((minor) << 16)))

#if defined(__cplusplus)
#  define FTKIT_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#  define FTKIT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#if defined(__cplusplus)
#  define FTKIT_INLINE inline
#else
#  define FTKIT_INLINE static inline
#endif

#endif /* FTKIT_CONFIG_HPP */
