# Cython declarations of ftkit's lock helpers (include/ftkit/locks.hpp): `from ftkit.locks cimport ...`.
#
# Shipped in the ftkit wheel as ftkit/locks.pxd, with the headers in ftkit/include/ftkit/; compile
# with include_dirs=[os.path.join(os.path.dirname(ftkit.__file__), "include")]. The getters and
# critical sections work in C and C++ modules; mutex, once and borrow_flag need language = c++.
# Semantics, versions and costs: docs/locks.md.

from cpython.object cimport PyObject

cdef extern from "ftkit/locks.hpp":
    # Strong-reference getters: the real API on 3.13+, a correct backport on 3.9-3.12.
    # Results: 1 found (new reference in *result), 0 absent (NULL), -1 error (exception set).
    int ftkit_dict_get_item_ref(object mp, object key, PyObject **result) except -1
    int ftkit_dict_get_item_string_ref(object mp, const char *key, PyObject **result) except -1
    object ftkit_list_get_item_ref(object lst, Py_ssize_t index)
    int ftkit_weakref_get_ref(object ref, PyObject **pobj) except -1
    object ftkit_import_add_module_ref(const char *name)
    int ftkit_dict_set_default_ref(object mp, object key, object default_value, PyObject **result) except -1
    int ftkit_dict_pop(object d, object key, PyObject **result) except -1

    # Critical sections: real on free-threaded builds, nothing elsewhere. Cython has no RAII, so
    # pair them with try/finally:
    #     cdef ftkit_critical_section cs
    #     ftkit_critical_section_begin(&cs, <PyObject*>self)
    #     try: ...
    #     finally: ftkit_critical_section_end(&cs)
    ctypedef struct ftkit_critical_section:
        pass
    ctypedef struct ftkit_critical_section2:
        pass
    void ftkit_critical_section_begin(ftkit_critical_section *c, PyObject *op)
    void ftkit_critical_section_end(ftkit_critical_section *c)
    void ftkit_critical_section2_begin(ftkit_critical_section2 *c, PyObject *a, PyObject *b)
    void ftkit_critical_section2_end(ftkit_critical_section2 *c)

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
