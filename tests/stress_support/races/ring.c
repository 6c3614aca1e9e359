/* A bounded ring-buffer queue of strong references with no lock: two put()s can fill the same
 * slot (an item lost, a reference leaked) and two get()s take the same item (handed out twice,
 * one reference too many dropped). The fix: a critical section. */
#include "common.h"

#define SLOTS 8

typedef struct {
    PyObject_HEAD
    PyObject *slot[SLOTS];  /* owned, head .. head+count-1 */
    int head, count;
} Ring;

static void Ring_dealloc(Ring *self) {
    for (int i = 0; i < SLOTS; i++) Py_XDECREF(self->slot[i]);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Ring_put(Ring *self, PyObject *v) {
    int full;
    LOCK(self);
    full = self->count == SLOTS;
    if (!full) {
        int at = (self->head + self->count) % SLOTS;
        Py_XSETREF(self->slot[at], Py_NewRef(v));
        self->count++;
    }
    UNLOCK();
    if (full) {
        PyErr_SetString(PyExc_OverflowError, "queue full");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Ring_get(Ring *self, PyObject *unused) {
    PyObject *v = NULL;
    LOCK(self);
    if (self->count > 0) {
        v = self->slot[self->head];
        self->slot[self->head] = NULL;
        self->head = (self->head + 1) % SLOTS;
        self->count--;
    }
    UNLOCK();
    if (v == NULL) PyErr_SetString(PyExc_IndexError, "queue empty");
    return v;
}

static PyMethodDef Ring_methods[] = {
    {"put", (PyCFunction)Ring_put, METH_O, "append v (OverflowError when full)"},
    {"get", (PyCFunction)Ring_get, METH_NOARGS, "take the oldest item (IndexError when empty)"},
    {NULL},
};

static PyTypeObject RingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = STR(MODULE_NAME) ".Ring",
    .tp_basicsize = sizeof(Ring),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Ring_dealloc,
    .tp_methods = Ring_methods,
};

static PyMethodDef fixture_methods[] = {{NULL}};

static int exec_module(PyObject *m) {
    if (PyType_Ready(&RingType) < 0) return -1;
    return PyModule_AddObjectRef(m, "Ring", (PyObject *)&RingType);
}

FIXTURE_MODULE(exec_module)
