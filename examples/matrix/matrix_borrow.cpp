// matrix_borrow: the Matrix for a library that says "a Matrix shared between threads is
// read-only; mutating it while another thread uses it is the caller's bug" (python-flint's and
// NumPy's stance). Instead of locking, it detects the bug: readers take a shared borrow, M[i, j] = x
// an exclusive one, and a conflicting borrow raises RuntimeError("concurrent mutation of Matrix
// object: ...") instead of letting det() read freed memory. Readers never wait for each other.
#include "matrix.hpp"

static PyObject *Matrix_getitem(PyObject *op, PyObject *key) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    if (matrix_parse_index(key, &i, &j) < 0) return NULL;
    ftkit::shared_borrow reading(self->borrows, "Matrix");
    if (!reading) return NULL;
    double x = matrix_get(self, i, j);
    return PyFloat_FromDouble(x);
}

static int Matrix_setitem(PyObject *op, PyObject *key, PyObject *value) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    double x;
    if (matrix_parse_assignment(key, value, &i, &j, &x) < 0) return -1;
    ftkit::exclusive_borrow writing(self->borrows, "Matrix");
    if (!writing) return -1;
    return matrix_set(self, i, j, x);
}

static Py_ssize_t Matrix_len(PyObject *op) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    ftkit::shared_borrow reading(self->borrows, "Matrix");
    return reading ? self->n : -1;
}

static PyObject *Matrix_det(PyObject *op, PyObject *) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    ftkit::shared_borrow reading(self->borrows, "Matrix");
    if (!reading) return NULL;
    return PyFloat_FromDouble(matrix_det(self->cells, self->n));
}

MATRIX_MODULE(matrix_borrow)
