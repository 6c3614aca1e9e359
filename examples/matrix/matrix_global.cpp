// matrix_global: the Matrix fixed the blunt way, with one ftkit::mutex for the whole module. Every
// method of every Matrix takes the same lock, so nothing races, but two threads working on two
// different matrices also wait for each other: the cost `ftkit bench examples/matrix/bench.py`
// measures against matrix_locked (one critical section per object).
//
// ftkit::mutex is PyMutex on 3.13+ (detaches the thread state while blocked, so a waiting thread
// never holds up the GIL or a stop-the-world pause); on GIL builds the GIL already serialises the
// calls and the uncontended lock costs a compare-and-swap (include/ftkit/mutex.hpp).
#include <mutex>

#include "matrix.hpp"

static ftkit::mutex matrix_global_lock;

static PyObject *Matrix_getitem(PyObject *op, PyObject *key) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    if (matrix_parse_index(key, &i, &j) < 0) return NULL;
    double x;
    {
        std::lock_guard<ftkit::mutex> hold(matrix_global_lock);
        x = matrix_get(self, i, j);
    }
    return PyFloat_FromDouble(x);
}

static int Matrix_setitem(PyObject *op, PyObject *key, PyObject *value) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    Py_ssize_t i, j;
    double x;
    if (matrix_parse_assignment(key, value, &i, &j, &x) < 0) return -1;  // may run Python: unlocked
    std::lock_guard<ftkit::mutex> hold(matrix_global_lock);
    return matrix_set(self, i, j, x);
}

static Py_ssize_t Matrix_len(PyObject *op) {
    std::lock_guard<ftkit::mutex> hold(matrix_global_lock);
    return reinterpret_cast<MatrixObject *>(op)->n;
}

static PyObject *Matrix_det(PyObject *op, PyObject *) {
    MatrixObject *self = reinterpret_cast<MatrixObject *>(op);
    double det;
    {
        std::lock_guard<ftkit::mutex> hold(matrix_global_lock);
        det = matrix_det(self->cells, self->n);
    }
    return PyFloat_FromDouble(det);
}

MATRIX_MODULE(matrix_global)
