# Cython declarations of ftkit's lock helpers (include/ftkit/locks.hpp) usable from C and C++ modules:
# `from ftkit.locks cimport ...`. The C++ classes (mutex, once, borrow_flag) are in ftkit/locks_cpp.pxd,
# so that a C-mode module cimporting this file gets no "Using 'cppclass' while Cython is not in c++
# mode" warnings (Cython warns for every cppclass a C module's cimports declare; issue 11 item 12).
#
# Shipped in the ftkit wheel as ftkit/locks.pxd and ftkit/locks_cpp.pxd, with the headers in
# ftkit/include/ftkit/; compile with include_dirs=[os.path.join(os.path.dirname(ftkit.__file__), "include")].
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
