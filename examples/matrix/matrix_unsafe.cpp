// matrix_unsafe: the Matrix as many extensions were written for the GIL. It declares that it
// runs without the GIL (Py_MOD_GIL_NOT_USED) but protects nothing, so on free-threaded CPython
// two threads can be inside these functions at once:
//   - M[i, j] = x in two threads that both grow the matrix free the same old block twice;
//   - M.det() in one thread copies cells that M[i, j] = x in another has just freed.
// Either crashes the process (tests/test_locks_matrix.py shows it). Compare matrix_locked.cpp.
#include "matrix.hpp"

static PyObject *Matrix_getitem(PyObject *op, PyObject *key) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    if (matrix_parse_index(key, &i, &j) < 0) return NULL;
    double x = matrix_get(self, i, j);
    return PyFloat_FromDouble(x);
}

static int Matrix_setitem(PyObject *op, PyObject *key, PyObject *value) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    double x;
    if (matrix_parse_assignment(key, value, &i, &j, &x) < 0) return -1;
    return matrix_set(self, i, j, x);  // RACE: two grows free one block twice
}

static Py_ssize_t Matrix_len(PyObject *op) { return reinterpret_cast<MatrixObject *>(op)->n; }

static PyObject *Matrix_det(PyObject *op, PyObject *) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    return PyFloat_FromDouble(matrix_det(self->cells, self->n));  // RACE: cells may be freed
}

MATRIX_MODULE(matrix_unsafe)  // declares Py_MOD_GIL_NOT_USED: a promise this module does not keep
