// matrix_locked: the Matrix fixed with ftkit::critical_section. Every method that touches
// n or cells holds the object's critical section, so a grow and a det() (or two grows) never
// overlap: det() sees either the old block or the new one, never a freed one.
//
// Two rules the critical section asks for:
//   - Convert arguments before entering it: PyFloat_AsDouble may run Python code (__float__),
//     and running Python code can suspend the critical section (then another thread gets in).
//   - Keep it short and local: it is the object's own lock, taken per call.
// On GIL builds ftkit::critical_section compiles to nothing; the GIL already did this job.
#include "matrix.hpp"

static PyObject *Matrix_getitem(PyObject *op, PyObject *key) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    if (matrix_parse_index(key, &i, &j) < 0) return NULL;
    double x;
    {
        ftkit::critical_section cs(op);
        x = matrix_get(self, i, j);
    }
    return PyFloat_FromDouble(x);
}

static int Matrix_setitem(PyObject *op, PyObject *key, PyObject *value) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    double x;
    if (matrix_parse_assignment(key, value, &i, &j, &x) < 0) return -1;
    ftkit::critical_section cs(op);
    return matrix_set(self, i, j, x);
}

static Py_ssize_t Matrix_len(PyObject *op) {
    ftkit::critical_section cs(op);
    return reinterpret_cast<MatrixObject *>(op)->n;
}

static PyObject *Matrix_det(PyObject *op, PyObject *) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    double det;
    {
        ftkit::critical_section cs(op);
        det = matrix_det(self->cells, self->n);
    }
    return PyFloat_FromDouble(det);
}

MATRIX_MODULE(matrix_locked)
