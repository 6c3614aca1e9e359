/* A formatter that writes into a static scratch buffer, then makes a str from it: two threads
 * formatting at once write the same buffer, and one returns the other's text. The fix: a
 * PyMutex around the buffer (public since 3.13, Include/cpython/lock.h). */
#include <stdio.h>
#include "common.h"

static char scratch[64];
#if FIXED
static PyMutex scratch_lock = {0};
#endif

static PyObject *label(PyObject *m, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
#if FIXED
    PyMutex_Lock(&scratch_lock);
#endif
    snprintf(scratch, sizeof scratch, "item #%ld of %ld (%.2f%%)", n, 100L, (double)n);
    PyObject *out = PyUnicode_FromString(scratch);
#if FIXED
    PyMutex_Unlock(&scratch_lock);
#endif
    return out;
}

static PyMethodDef fixture_methods[] = {
    {"label", label, METH_O, "a label for item n"},
    {NULL},
};

static int exec_module(PyObject *m) { return 0; }

FIXTURE_MODULE(exec_module)
