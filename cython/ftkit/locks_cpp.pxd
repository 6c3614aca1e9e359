# Cython declarations of ftkit's C++ lock helpers (include/ftkit/locks.hpp): `from ftkit.locks_cpp cimport ...`.
#
# Needs a C++ module (`# distutils: language = c++`, or cythonize(..., language="c++")). Also
# re-exports every declaration of ftkit/locks.pxd, so a C++ module can take everything from here.
# The C-compatible part stays in ftkit/locks.pxd: see there why the two are split.

from ftkit.locks cimport *

cdef extern from "ftkit/locks.hpp" namespace "ftkit" nogil:
    # PyMutex on 3.13+; before, a std::mutex that releases the GIL while it waits.
    cdef cppclass mutex:
        mutex()
        void lock()
        void unlock()
        bint try_lock()

    # once.begin() is True (lock held) if the caller must initialise now, then once.end(ok).
    cdef cppclass once:
        once()
        bint done()
        bint begin()
        void end(bint ok)

cdef extern from "ftkit/locks.hpp" namespace "ftkit":
    # Borrow guard: enter_* raise RuntimeError("concurrent mutation of <type_name> object: ...")
    # when a conflicting borrow is in progress; pair each successful enter_* with its exit_*.
    cdef cppclass borrow_flag:
        borrow_flag()
        int enter_read(const char *type_name) except -1
        void exit_read()
        int enter_write(const char *type_name) except -1
        void exit_write()
