"""What the installed package offers extension authors besides the command: the headers' location."""

from __future__ import annotations

import os

import ftkit


def test_get_include_points_at_the_shipped_lock_headers(compile_extension, ft_python):
    include = ftkit.get_include()
    assert os.path.isfile(os.path.join(include, "ftkit", "locks.hpp"))
    # An author's build uses nothing but this directory: the umbrella header must compile from it.
    source = (
        "#include <Python.h>\n#include <ftkit/locks.hpp>\n"
        "static int exec_module(PyObject *m) { (void)m; return 0; }\n"
        "static PyModuleDef_Slot slots[] = {{Py_mod_exec, (void *)exec_module},\n"
        "  {Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};\n"
        "static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, \"uses_ftkit\", NULL, 0, NULL, slots};\n"
        "PyMODINIT_FUNC PyInit_uses_ftkit(void) { return PyModuleDef_Init(&def); }\n"
    )
    path = compile_extension(source, "uses_ftkit", ft_python, lang="c++", extra_args=("-I", include))
    assert path.is_file()
