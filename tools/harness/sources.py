"""C sources of tiny extension modules, one per way a module can (or fails to) declare GIL support.

Generated as text so a test shows its input; the compiled results are cached by content hash.
"""

from __future__ import annotations

GIL_SLOT = {"not_used": "Py_MOD_GIL_NOT_USED", "used": "Py_MOD_GIL_USED"}


def multi_phase(name: str, gil: str | None, body: str = "") -> str:
    """A PyModuleDef_Init module; gil is "not_used", "used" or None (no Py_mod_gil slot at all)."""
    gil_slot = f"    {{Py_mod_gil, {GIL_SLOT[gil]}}},\n" if gil else ""
    return f"""\
#include <Python.h>
{body}
static int exec_module(PyObject *m) {{ return PyModule_AddIntConstant(m, "answer", 42); }}
static PyModuleDef_Slot slots[] = {{
    {{Py_mod_exec, (void *)exec_module}},
{gil_slot}    {{0, NULL}},
}};
static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "{name}", NULL, 0, NULL, slots}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModuleDef_Init(&def); }}
"""


def single_phase(name: str, gil: str | None) -> str:
    """A PyModule_Create module; gil set through PyUnstable_Module_SetGIL when given."""
    set_gil = (f"#ifdef Py_GIL_DISABLED\n    PyUnstable_Module_SetGIL(m, {GIL_SLOT[gil]});\n#endif\n"
               if gil else "")
    return f"""\
#include <Python.h>
static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, NULL}};
PyMODINIT_FUNC PyInit_{name}(void) {{
    PyObject *m = PyModule_Create(&def);
    if (m == NULL) return NULL;
{set_gil}    return m;
}}
"""
