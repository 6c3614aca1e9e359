/* A plugin registry created lazily on first use: register() checks for NULL, then creates the
 * dict and stores it, with no lock. Two first registrations can both create one, and the
 * later store drops the earlier dict with its name in it (the window is a PyDict_New: narrow).
 * The fix: a PyMutex around the lazy creation (Include/cpython/lock.h, 3.13+). */
#include "common.h"

static PyObject *registry = NULL;  /* owned; NULL until the first register() */
#if FIXED
static PyMutex registry_lock = {0};
#define REG_LOCK() PyMutex_Lock(&registry_lock)
#define REG_UNLOCK() PyMutex_Unlock(&registry_lock)
#else
#define REG_LOCK()
#define REG_UNLOCK()
#endif

/* A strong reference to the registry, created if create is set (NULL without an error if not). */
static PyObject *get_registry(int create) {
    PyObject *r;
    REG_LOCK();
    if (registry == NULL && create) registry = PyDict_New();
    r = Py_XNewRef(registry);
    REG_UNLOCK();
    return r;
}

static PyObject *reg(PyObject *m, PyObject *name) {
    PyObject *r = get_registry(1);
    if (r == NULL) return NULL;
    int rc = PyDict_SetItem(r, name, Py_True);
    Py_DECREF(r);
    return rc < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *registered(PyObject *m, PyObject *name) {
    PyObject *r = get_registry(0);
    if (r == NULL) Py_RETURN_FALSE;
    int rc = PyDict_Contains(r, name);
    Py_DECREF(r);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

static PyObject *reset(PyObject *m, PyObject *unused) {
    REG_LOCK();
    Py_CLEAR(registry);
    REG_UNLOCK();
    Py_RETURN_NONE;
}

static PyMethodDef fixture_methods[] = {
    {"register", reg, METH_O, "register a name"},
    {"registered", registered, METH_O, "is the name registered?"},
    {"reset", reset, METH_NOARGS, "forget every name (the registry is created again on next use)"},
    {NULL},
};

static int exec_module(PyObject *m) { return 0; }

FIXTURE_MODULE(exec_module)
