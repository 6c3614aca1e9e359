// Pairs of functions, one through the raw C API and one through an ftkit helper, whose compiled
// code tests/test_locks_codegen.py compares: equal instructions means the helper costs nothing.
#include "ftkit/locks.hpp"

#include <mutex>

extern "C" {

long none_cs(PyObject *, long *c) { return ++*c; }
long raw_cs(PyObject *o, long *c) {
    long r;
    Py_BEGIN_CRITICAL_SECTION(o);
    r = ++*c;
    Py_END_CRITICAL_SECTION();
    return r;
}
long ftkit_cs(PyObject *o, long *c) {
    ftkit::critical_section cs(o);
    return ++*c;
}

long none_cs2(PyObject *, PyObject *, long *c) { return ++*c; }
long raw_cs2(PyObject *a, PyObject *b, long *c) {
    long r;
    Py_BEGIN_CRITICAL_SECTION2(a, b);
    r = ++*c;
    Py_END_CRITICAL_SECTION2();
    return r;
}
long ftkit_cs2(PyObject *a, PyObject *b, long *c) {
    ftkit::critical_section2 cs(a, b);
    return ++*c;
}

#if FTKIT_PY_AT_LEAST(3, 13)
long raw_mutex(PyMutex *m, long *c) {
    PyMutex_Lock(m);
    long r = ++*c;
    PyMutex_Unlock(m);
    return r;
}
long ftkit_mutex(ftkit::mutex *m, long *c) {
    std::lock_guard<ftkit::mutex> g(*m);
    return ++*c;
}
int raw_getref(PyObject *d, PyObject *k, PyObject **r) { return PyDict_GetItemRef(d, k, r); }
int ftkit_getref(PyObject *d, PyObject *k, PyObject **r) { return ftkit::dict_get_item_ref(d, k, r); }
#endif

long none_borrow(ftkit::borrow_flag *, long *c) { return ++*c; }
long ftkit_borrow(ftkit::borrow_flag *f, long *c) {
    ftkit::shared_borrow b(*f, "T");
    if (!b) return -1;
    return ++*c;
}
}
