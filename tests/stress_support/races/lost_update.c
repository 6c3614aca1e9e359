/* A running total kept as a Python int: add() reads the total, adds, and stores the sum, with no
 * lock, so two adds can both start from the same total (one is lost) and both drop the old
 * object's reference (a use-after-free of the int). The fix: a critical section. */
#include "common.h"

typedef struct {
    PyObject_HEAD
    PyObject *total;  /* owned */
} Total;

static PyObject *Total_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    Total *self = (Total *)type->tp_alloc(type, 0);
    if (self != NULL) self->total = PyLong_FromLong(0);
    return (PyObject *)self;
}

static void Total_dealloc(Total *self) {
    Py_XDECREF(self->total);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Total_add(Total *self, PyObject *n) {
    PyObject *sum;
    LOCK(self);
    sum = PyNumber_Add(self->total, n);
    if (sum != NULL) Py_SETREF(self->total, Py_NewRef(sum));
    UNLOCK();
    return sum;
}

static PyObject *Total_get(Total *self, PyObject *unused) {
    PyObject *v;
    LOCK(self);
    v = Py_NewRef(self->total);
    UNLOCK();
    return v;
}

static PyMethodDef Total_methods[] = {
    {"add", (PyCFunction)Total_add, METH_O, "add n; return the new total"},
    {"get", (PyCFunction)Total_get, METH_NOARGS, "the total"},
    {NULL},
};

static PyTypeObject TotalType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = STR(MODULE_NAME) ".Total",
    .tp_basicsize = sizeof(Total),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Total_new,
    .tp_dealloc = (destructor)Total_dealloc,
    .tp_methods = Total_methods,
};

static PyMethodDef fixture_methods[] = {{NULL}};

static int exec_module(PyObject *m) {
    if (PyType_Ready(&TotalType) < 0) return -1;
    return PyModule_AddObjectRef(m, "Total", (PyObject *)&TotalType);
}

FIXTURE_MODULE(exec_module)
