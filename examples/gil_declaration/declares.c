/* An extension module that declares it runs safely without the GIL (multi-phase init). */
#include <Python.h>

static int exec_module(PyObject *m) { return PyModule_AddIntConstant(m, "answer", 42); }

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, (void *)exec_module},
#ifdef Py_mod_gil
    /* The one line that keeps the GIL off on free-threaded CPython (3.13+). */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "declares", NULL, 0, NULL, slots};

PyMODINIT_FUNC PyInit_declares(void) { return PyModuleDef_Init(&def); }
