/* ftkit lock helpers for extension authors: one include for all of them (needs only Python.h).
 *
 * C and Cython get the parts that are plain functions (strong-reference getters, critical
 * sections); C++ also gets the RAII classes, ftkit::mutex, ftkit::once and the borrow guard.
 * Correct on CPython 3.9-3.15, GIL and free-threaded builds; see docs/locks.md.
 */
#ifndef FTKIT_LOCKS_HPP
#define FTKIT_LOCKS_HPP

#include "config.hpp"
#include "refs.hpp"
#include "critical_section.hpp"
#include "mutex.hpp"
#include "once.hpp"
#include "borrow_guard.hpp"

#endif /* FTKIT_LOCKS_HPP */
