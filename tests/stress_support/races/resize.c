/* A growable array of doubles: append() reallocates the storage when it is full, while total()
 * in another thread may still be summing the old block (a read of freed memory), or a second
 * append() grows the same block (a lost item, a double free). The fix: a critical section. */
#include "common.h"

typedef struct {
    PyObject_HEAD
    double *data;
    Py_ssize_t len, cap;
} Buffer;

static void Buffer_dealloc(Buffer *self) {
    PyMem_Free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Buffer_append(Buffer *self, PyObject *arg) {
    double v = PyFloat_AsDouble(arg);
    if (v == -1.0 && PyErr_Occurred()) return NULL;
    PyObject *ret = Py_None;
    LOCK(self);
    if (self->len == self->cap) {
        Py_ssize_t cap = self->cap ? 2 * self->cap : 4;
        double *grown = PyMem_Realloc(self->data, (size_t)cap * sizeof(double));
        if (grown == NULL) ret = PyErr_NoMemory();
        else self->data = grown, self->cap = cap;
    }
    if (ret != NULL) self->data[self->len++] = v;
    UNLOCK();
    return ret == NULL ? NULL : Py_NewRef(ret);
}

static PyObject *Buffer_total(Buffer *self, PyObject *unused) {
    double sum = 0.0;
    LOCK(self);
    const double *data = self->data;
    for (Py_ssize_t i = 0, n = self->len; i < n; i++) sum += data[i];
    UNLOCK();
    return PyFloat_FromDouble(sum);
}

static PyObject *Buffer_len(Buffer *self, PyObject *unused) {
    Py_ssize_t n;
    LOCK(self);
    n = self->len;
    UNLOCK();
    return PyLong_FromSsize_t(n);
}

static PyMethodDef Buffer_methods[] = {
    {"append", (PyCFunction)Buffer_append, METH_O, "add a number at the end"},
    {"total", (PyCFunction)Buffer_total, METH_NOARGS, "the sum of the numbers"},
    {"size", (PyCFunction)Buffer_len, METH_NOARGS, "how many numbers"},
    {NULL},
};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = STR(MODULE_NAME) ".Buffer",
    .tp_basicsize = sizeof(Buffer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_methods = Buffer_methods,
};

static PyMethodDef fixture_methods[] = {{NULL}};

static int exec_module(PyObject *m) {
    if (PyType_Ready(&BufferType) < 0) return -1;
    return PyModule_AddObjectRef(m, "Buffer", (PyObject *)&BufferType);
}

FIXTURE_MODULE(exec_module)
