/* The same module without the Py_mod_gil slot: importing it turns the GIL back on, silently. */
#include <Python.h>

static int exec_module(PyObject *m) { return PyModule_AddIntConstant(m, "answer", 42); }

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, (void *)exec_module},
    {0, NULL},
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "forgets", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_forgets(void) { return PyModuleDef_Init(&def); }
