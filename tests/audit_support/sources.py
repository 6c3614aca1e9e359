"""Sources of the audit's fixture modules, written as text next to the tests that use them."""

from __future__ import annotations

from harness.sources import multi_phase

# Functions kept alive with `used` so the compiler emits the calls the audit looks for.
HAZARDS_BODY = """
__attribute__((used)) static PyObject *lookup(PyObject *d, PyObject *k) {
    PyObject *v = PyDict_GetItem(d, k);               /* borrowed: a C-API hazard */
    PyObject *w = PyWeakref_GetObject(k);             /* borrowed: a C-API hazard */
    Py_ssize_t pos = 0; PyObject *key, *val;
    while (PyDict_Next(d, &pos, &key, &val)) {}       /* needs a critical section */
    PyObject *tmp = PyLong_FromLong(12345);
    Py_DECREF(tmp);                                   /* inlined: names the headers' ABI */
    return v ? v : w;
}
"""


def with_hazards(name: str, gil: str | None = "not_used") -> str:
    return multi_phase(name, gil, body=HAZARDS_BODY)


def pybind11_module(name: str, not_used: bool) -> str:
    option = ", py::mod_gil_not_used()" if not_used else ""
    return f"""\
#include <pybind11/pybind11.h>
namespace py = pybind11;
PYBIND11_MODULE({name}, m{option}) {{
    m.def("add", [](int a, int b) {{ return a + b; }});
}}
"""


def cython_module(free_threading: bool) -> str:
    directive = "# cython: freethreading_compatible = True\n" if free_threading else ""
    return directive + "def add(int a, int b):\n    return a + b\n"
