/* A bag of names over a Python list: first() takes a *borrowed* reference to item 0
 * (PyList_GetItem) and builds its result from it, while clear() in another thread drops the
 * list's reference: the item is freed under first()'s feet. The freed string usually still
 * holds its old bytes, so the result often looks right (a use-after-free no result shows).
 * The fix: a critical section and PyList_GetItemRef (3.13+, a strong reference). */
#include "common.h"

typedef struct {
    PyObject_HEAD
    PyObject *items;  /* owned list */
} Bag;

static PyObject *Bag_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    Bag *self = (Bag *)type->tp_alloc(type, 0);
    if (self != NULL && (self->items = PyList_New(0)) == NULL) Py_CLEAR(self);
    return (PyObject *)self;
}

static void Bag_dealloc(Bag *self) {
    Py_XDECREF(self->items);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Bag_add(Bag *self, PyObject *n) {
    PyObject *name = PyUnicode_FromFormat("name-%S", n);  /* a fresh string: never cached */
    if (name == NULL) return NULL;
    int rc = PyList_Append(self->items, name);
    Py_DECREF(name);
    return rc < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *Bag_clear(Bag *self, PyObject *unused) {
    if (PyList_SetSlice(self->items, 0, PY_SSIZE_T_MAX, NULL) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Bag_first(Bag *self, PyObject *unused) {
    PyObject *out = NULL;
#if FIXED
    PyObject *item = PyList_GetItemRef(self->items, 0);  /* strong: safe */
    if (item == NULL) return NULL;
#else
    PyObject *item = PyList_GetItem(self->items, 0);  /* borrowed */
    if (item == NULL) return NULL;
#endif
    out = PyUnicode_FromFormat("%U!", item);
#if FIXED
    Py_DECREF(item);
#endif
    return out;
}

static PyMethodDef Bag_methods[] = {
    {"add", (PyCFunction)Bag_add, METH_O, "append the name 'name-N'"},
    {"clear", (PyCFunction)Bag_clear, METH_NOARGS, "drop every name"},
    {"first", (PyCFunction)Bag_first, METH_NOARGS, "the first name with '!' (IndexError if empty)"},
    {NULL},
};

static PyTypeObject BagType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = STR(MODULE_NAME) ".Bag",
    .tp_basicsize = sizeof(Bag),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Bag_new,
    .tp_dealloc = (destructor)Bag_dealloc,
    .tp_methods = Bag_methods,
};

static PyMethodDef fixture_methods[] = {{NULL}};

static int exec_module(PyObject *m) {
    if (PyType_Ready(&BagType) < 0) return -1;
    return PyModule_AddObjectRef(m, "Bag", (PyObject *)&BagType);
}

FIXTURE_MODULE(exec_module)
