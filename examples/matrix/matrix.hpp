// The Matrix example's data and arithmetic, shared by matrix_unsafe/_locked/_borrow.cpp.
//
// A Matrix is an n x n grid of doubles in one heap block, row-major. Assigning past the edge
// (M[5, 5] = 1.0 on a 3 x 3 matrix) grows it: a new, larger block is allocated, the old cells are
// copied over and the old block is freed. That free is what makes threads dangerous: a thread that
// is still reading the old block (det() walks every cell) now reads freed memory.
//
// Nothing in this file locks anything: the three modules differ only in how they protect calls
// to these functions, which is the point of the example.
#ifndef FTKIT_EXAMPLE_MATRIX_HPP
#define FTKIT_EXAMPLE_MATRIX_HPP

#include <Python.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "ftkit/locks.hpp"

struct MatrixObject {
    PyObject_HEAD
    Py_ssize_t n;          // rows == columns
    double *cells;         // n * n doubles, malloc'ed
    ftkit::borrow_flag borrows;  // used by matrix_borrow only (empty on GIL builds)
};

// Parse the key of M[i, j]: a tuple of two non-negative ints. -1 with an exception on error.
static int matrix_parse_index(PyObject *key, Py_ssize_t *i, Py_ssize_t *j) {
    if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 2) {
        PyErr_SetString(PyExc_TypeError, "Matrix index must be a pair: M[i, j]");
        return -1;
    }
    *i = PyLong_AsSsize_t(PyTuple_GET_ITEM(key, 0));
    *j = PyLong_AsSsize_t(PyTuple_GET_ITEM(key, 1));
    if (PyErr_Occurred()) return -1;
    if (*i < 0 || *j < 0 || *i > 4096 || *j > 4096) {
        PyErr_SetString(PyExc_IndexError, "Matrix index out of range [0, 4096]");
        return -1;
    }
    return 0;
}

// Parse M[i, j] = value into (i, j, x), before any lock is taken: PyFloat_AsDouble may run
// Python code (a __float__ method). -1 with an exception on error (del M[i, j] included).
static int matrix_parse_assignment(PyObject *key, PyObject *value, Py_ssize_t *i, Py_ssize_t *j, double *x) {
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "Matrix cells cannot be deleted");
        return -1;
    }
    if (matrix_parse_index(key, i, j) < 0) return -1;
    *x = PyFloat_AsDouble(value);
    return (*x == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

// Grow to new_n x new_n: allocate, copy, free the old block. Not safe against a concurrent reader
// or a second grower (both would free the same old block: a double free).
static int matrix_grow(MatrixObject *m, Py_ssize_t new_n) {
    size_t count = static_cast<size_t>(new_n) * static_cast<size_t>(new_n);
    double *bigger = static_cast<double *>(std::calloc(count, sizeof(double)));
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t r = 0; r < m->n; r++) {
        std::memcpy(bigger + r * new_n, m->cells + r * m->n, static_cast<size_t>(m->n) * sizeof(double));
    }
    std::free(m->cells);
    m->cells = bigger;
    m->n = new_n;
    return 0;
}

// M[i, j]: cells outside the matrix read as 0.
static double matrix_get(const MatrixObject *m, Py_ssize_t i, Py_ssize_t j) {
    return (i < m->n && j < m->n) ? m->cells[i * m->n + j] : 0.0;
}

// M[i, j] = x, growing the matrix first when (i, j) is outside it. -1 with MemoryError.
static int matrix_set(MatrixObject *m, Py_ssize_t i, Py_ssize_t j, double x) {
    if (i >= m->n || j >= m->n) {
        if (matrix_grow(m, (i > j ? i : j) + 1) < 0) return -1;
    }
    m->cells[i * m->n + j] = x;  // a concurrent grow may have freed the block just read
    return 0;
}

// Determinant by Gaussian elimination with partial pivoting, on a private copy of the cells.
static double matrix_det(const double *cells, Py_ssize_t n) {
    size_t count = static_cast<size_t>(n) * static_cast<size_t>(n);
    double *a = static_cast<double *>(std::malloc((count ? count : 1) * sizeof(double)));
    if (a == NULL) return NAN;
    for (size_t k = 0; k < count; k++) a[k] = cells[k];  // the read a concurrent grow can break
    double det = 1.0;
    for (Py_ssize_t c = 0; c < n; c++) {
        Py_ssize_t pivot = c;
        for (Py_ssize_t r = c + 1; r < n; r++)
            if (std::fabs(a[r * n + c]) > std::fabs(a[pivot * n + c])) pivot = r;
        if (a[pivot * n + c] == 0.0) {
            det = 0.0;
            break;
        }
        if (pivot != c) {
            for (Py_ssize_t k = 0; k < n; k++) std::swap(a[pivot * n + k], a[c * n + k]);
            det = -det;
        }
        det *= a[c * n + c];
        for (Py_ssize_t r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (Py_ssize_t k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
        }
    }
    std::free(a);
    return det;
}

// Matrix(n=0): an n x n matrix of zeros.
static PyObject *matrix_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static const char *kwlist[] = {"n", NULL};
    Py_ssize_t n = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n", const_cast<char **>(kwlist), &n)) return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "Matrix size must be in [0, 4096]");
        return NULL;
    }
    MatrixObject *self = reinterpret_cast<MatrixObject *>(type->tp_alloc(type, 0));
    if (self == NULL) return NULL;
    new (&self->borrows) ftkit::borrow_flag();
    self->n = n;
    self->cells = static_cast<double *>(std::calloc(static_cast<size_t>(n * n) + 1, sizeof(double)));
    if (self->cells == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return reinterpret_cast<PyObject *>(self);
}

static void matrix_dealloc(PyObject *op) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    PyTypeObject *type = Py_TYPE(op);
    std::free(self->cells);
    type->tp_free(op);
    Py_DECREF(type);  // heap types own a reference from each instance
}

// Build the Matrix type from a module's own slots (its methods) plus the shared ones, add it
// to the module. Used by each module's Py_mod_exec.
static int matrix_add_type(PyObject *module, const char *qualname, PyType_Slot *own_slots) {
    PyType_Slot slots[16];
    int k = 0;
    for (PyType_Slot *s = own_slots; s->slot != 0 && k < 12; s++) slots[k++] = *s;
    slots[k++] = {Py_tp_new, reinterpret_cast<void *>(matrix_new)};
    slots[k++] = {Py_tp_dealloc, reinterpret_cast<void *>(matrix_dealloc)};
    slots[k++] = {0, NULL};
    PyType_Spec spec = {qualname, sizeof(MatrixObject), 0, Py_TPFLAGS_DEFAULT, slots};
    PyObject *type = PyType_FromModuleAndSpec(module, &spec, NULL);
    if (type == NULL) return -1;
    int rc = PyModule_AddObjectRef(module, "Matrix", type);
    Py_DECREF(type);
    return rc;
}

// The rest of a module is the same for every variant: the type's slots pointing at the four
// functions the variant defines (Matrix_getitem, Matrix_setitem, Matrix_len, Matrix_det) and a
// multi-phase module that declares Py_mod_gil = Py_MOD_GIL_NOT_USED (new in 3.13, PEP 703).
#define MATRIX_MODULE(NAME)                                                                       \
    static PyMethodDef matrix_methods[] = {                                                       \
        {"det", Matrix_det, METH_NOARGS, "Determinant (Gaussian elimination)."},                 \
        {NULL, NULL, 0, NULL},                                                                    \
    };                                                                                            \
    static PyType_Slot matrix_own_slots[] = {                                                     \
        {Py_mp_subscript, reinterpret_cast<void *>(Matrix_getitem)},                              \
        {Py_mp_ass_subscript, reinterpret_cast<void *>(Matrix_setitem)},                          \
        {Py_mp_length, reinterpret_cast<void *>(Matrix_len)},                                     \
        {Py_tp_methods, matrix_methods},                                                          \
        {0, NULL},                                                                                \
    };                                                                                            \
    static int matrix_exec(PyObject *m) { return matrix_add_type(m, #NAME ".Matrix", matrix_own_slots); } \
    static PyModuleDef_Slot matrix_module_slots[] = {                                             \
        {Py_mod_exec, reinterpret_cast<void *>(matrix_exec)},                                     \
        {Py_mod_gil, Py_MOD_GIL_NOT_USED},                                                        \
        {0, NULL},                                                                                \
    };                                                                                            \
    static PyModuleDef matrix_def = {PyModuleDef_HEAD_INIT, #NAME, NULL, 0, NULL,                 \
                                     matrix_module_slots, NULL, NULL, NULL};                      \
    PyMODINIT_FUNC PyInit_##NAME(void) { return PyModuleDef_Init(&matrix_def); }

#endif  // FTKIT_EXAMPLE_MATRIX_HPP
