# cython: language_level=3, freethreading_compatible=True
# distutils: language = c++
"""Every declaration of ftkit/locks.pxd and ftkit/locks_cpp.pxd used once from Cython (tests/test_locks_cython.py)."""

from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF

from ftkit.locks cimport (ftkit_critical_section2, ftkit_critical_section2_begin, ftkit_critical_section2_end,
                          ftkit_dict_get_item_ref, ftkit_dict_pop, ftkit_list_get_item_ref,
                          ftkit_weakref_get_ref)
from ftkit.locks_cpp cimport borrow_flag, mutex, once

cdef mutex counter_lock
cdef long counter = 0
cdef once init_once
cdef long init_runs = 0


cdef object steal(int rc, PyObject *ref):
    value = <object>ref if ref != NULL else None
    Py_XDECREF(ref)
    return (rc, value)


def dict_get(d, key):
    cdef PyObject *out = NULL
    rc = ftkit_dict_get_item_ref(d, key, &out)
    return steal(rc, out)


def dict_pop(d, key):
    cdef PyObject *out = NULL
    rc = ftkit_dict_pop(d, key, &out)
    return steal(rc, out)


def weak_get(ref):
    cdef PyObject *out = NULL
    rc = ftkit_weakref_get_ref(ref, &out)
    return steal(rc, out)


def list_get(lst, Py_ssize_t i):
    return ftkit_list_get_item_ref(lst, i)


def add(long times):
    global counter
    cdef long k
    for k in range(times):
        counter_lock.lock()
        counter += 1
        counter_lock.unlock()
    return counter


def init():
    """Runs the 'initialiser' (counting runs) at most once; returns the number of runs."""
    global init_runs
    if init_once.begin():
        init_runs += 1
        init_once.end(True)
    return init_runs


def swap_first(a, b):
    cdef ftkit_critical_section2 cs
    ftkit_critical_section2_begin(&cs, <PyObject *>a, <PyObject *>b)
    try:
        a[0], b[0] = b[0], a[0]
    finally:
        ftkit_critical_section2_end(&cs)


cdef class Guarded:
    cdef borrow_flag flag

    def write_while_reading(self):
        """Takes a read borrow, then tries a write borrow: RuntimeError on free-threaded builds."""
        self.flag.enter_read(b"Guarded")
        try:
            self.flag.enter_write(b"Guarded")
            self.flag.exit_write()
        finally:
            self.flag.exit_read()
        return "no conflict detected"
