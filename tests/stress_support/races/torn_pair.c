/* A range [lo, hi] stored as two fields: set(lo, hi) writes one, converts the other argument,
 * then writes it, with no lock, so a bounds() in another thread can see the new lo with the
 * old hi (a pair never set). The fix: a critical section. */
#include "common.h"

typedef struct {
    PyObject_HEAD
    long lo, hi;
} Range;

static PyObject *Range_set(Range *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "set(lo, hi) takes two ints");
        return NULL;
    }
    LOCK(self);
    self->lo = PyLong_AsLong(args[0]);
    self->hi = PyLong_AsLong(args[1]);
    UNLOCK();
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Range_bounds(Range *self, PyObject *unused) {
    long lo, hi;
    LOCK(self);
    lo = self->lo;
    hi = self->hi;
    UNLOCK();
    return Py_BuildValue("(ll)", lo, hi);
}

static PyMethodDef Range_methods[] = {
    {"set", (PyCFunction)(void (*)(void))Range_set, METH_FASTCALL, "set both bounds"},
    {"bounds", (PyCFunction)Range_bounds, METH_NOARGS, "(lo, hi)"},
    {NULL},
};

static PyTypeObject RangeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = STR(MODULE_NAME) ".Range",
    .tp_basicsize = sizeof(Range),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_methods = Range_methods,
};

static PyMethodDef fixture_methods[] = {{NULL}};

static int exec_module(PyObject *m) {
    if (PyType_Ready(&RangeType) < 0) return -1;
    return PyModule_AddObjectRef(m, "Range", (PyObject *)&RangeType);
}

FIXTURE_MODULE(exec_module)
