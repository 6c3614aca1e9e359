# cython: language_level=3, freethreading_compatible=True
# distutils: language = c++
"""matrix_cy: the Matrix in Cython, fixed with ftkit's critical sections.

The same object as matrix_locked.cpp: M[i, j] = x grows the matrix (new block, copy, free the
old one) and M.det() reads every cell. `freethreading_compatible` (Cython 3.1+) declares that the
module runs without the GIL; the critical sections from ftkit.locks make that true. Cython has no
RAII, so each critical section is a begin ... try/finally ... end pair.
"""

from cpython.object cimport PyObject
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy

from ftkit.locks cimport (ftkit_critical_section, ftkit_critical_section_begin,
                          ftkit_critical_section_end)

cdef extern from "matrix.hpp":
    # The arithmetic is shared with the C++ examples (examples/matrix/matrix.hpp).
    double matrix_det(const double *cells, Py_ssize_t n) nogil


cdef Py_ssize_t _index(object v) except -1:
    cdef Py_ssize_t k = v
    if k < 0 or k > 4096:
        raise IndexError("Matrix index out of range [0, 4096]")
    return k


cdef class Matrix:
    cdef Py_ssize_t n
    cdef double *cells

    def __cinit__(self, Py_ssize_t n=0):
        if n < 0 or n > 4096:
            raise ValueError("Matrix size must be in [0, 4096]")
        self.cells = <double *>calloc(n * n + 1, sizeof(double))
        if self.cells == NULL:
            raise MemoryError()
        self.n = n

    def __dealloc__(self):
        free(self.cells)

    cdef int _grow(self, Py_ssize_t new_n) except -1:
        # Caller holds the critical section.
        cdef double *bigger = <double *>calloc(new_n * new_n, sizeof(double))
        cdef Py_ssize_t r
        if bigger == NULL:
            raise MemoryError()
        for r in range(self.n):
            memcpy(bigger + r * new_n, self.cells + r * self.n, self.n * sizeof(double))
        free(self.cells)
        self.cells = bigger
        self.n = new_n
        return 0

    def __setitem__(self, key, value):
        i_obj, j_obj = key
        # Convert everything before entering: Python code run inside (a __float__, an __index__)
        # could suspend the critical section and let another thread in.
        cdef Py_ssize_t i = _index(i_obj), j = _index(j_obj)
        cdef double x = value
        cdef ftkit_critical_section cs
        ftkit_critical_section_begin(&cs, <PyObject *>self)
        try:
            if i >= self.n or j >= self.n:
                self._grow(max(i, j) + 1)
            self.cells[i * self.n + j] = x
        finally:
            ftkit_critical_section_end(&cs)

    def __getitem__(self, key):
        i_obj, j_obj = key
        cdef Py_ssize_t i = _index(i_obj), j = _index(j_obj)
        cdef double x = 0.0
        cdef ftkit_critical_section cs
        ftkit_critical_section_begin(&cs, <PyObject *>self)
        if i < self.n and j < self.n:
            x = self.cells[i * self.n + j]
        ftkit_critical_section_end(&cs)
        return x

    def __len__(self):
        cdef Py_ssize_t n
        cdef ftkit_critical_section cs
        ftkit_critical_section_begin(&cs, <PyObject *>self)
        n = self.n
        ftkit_critical_section_end(&cs)
        return n

    def det(self):
        """Determinant (Gaussian elimination)."""
        cdef double d
        cdef ftkit_critical_section cs
        ftkit_critical_section_begin(&cs, <PyObject *>self)
        d = matrix_det(self.cells, self.n)
        ftkit_critical_section_end(&cs)
        return d
