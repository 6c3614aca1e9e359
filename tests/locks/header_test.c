/* Test of include/ftkit/locks.hpp, compiled as C (its C parts) and as C++17/C++20 (all of it),
 * with -Werror -Wall -Wextra -Wconversion, into the extension module ftkit_locks_header_test for
 * each interpreter; tests/locks/header_driver.py runs it (tests/test_locks_header.py). */
#define PY_SSIZE_T_CLEAN
#include "ftkit/locks.hpp"

#if defined(__cplusplus)
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>
#endif

/* Raise AssertionError naming the line and return NULL from the calling function. */
#define CHECK(cond)                                                                            \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            if (!PyErr_Occurred())                                                              \
                PyErr_Format(PyExc_AssertionError, "%s:%d: %s", __FILE__, __LINE__, #cond);     \
            goto fail;                                                                          \
        }                                                                                       \
    } while (0)

/* PyMutex_IsLocked is public since 3.14 (Include/cpython/lock.h); with it the test can see that a
 * critical section really holds the object's ob_mutex on free-threaded builds. */
#if FTKIT_FREE_THREADED && FTKIT_PY_AT_LEAST(3, 14)
#define OBJECT_LOCKED(op) (PyMutex_IsLocked(&((PyObject *)(op))->ob_mutex) != 0)
#define CAN_SEE_LOCKS 1
#else
#define OBJECT_LOCKED(op) 0
#define CAN_SEE_LOCKS 0
#endif

static PyObject *check_refs(PyObject *self, PyObject *args) {
    PyObject *d = NULL, *key = NULL, *missing = NULL, *value = NULL, *out = NULL, *list = NULL,
             *ref = NULL, *target = NULL, *mod = NULL, *dflt = NULL;
    (void)self;
    (void)args;
    d = PyDict_New();
    key = PyUnicode_FromString("k");
    missing = PyUnicode_FromString("missing");
    value = PyLong_FromLong(7);
    CHECK(d && key && missing && value);
    CHECK(PyDict_SetItem(d, key, value) == 0);

    /* dict_get_item_ref: found, missing, unhashable key (error) */
    CHECK(ftkit_dict_get_item_ref(d, key, &out) == 1 && out == value);
    Py_CLEAR(out);
    CHECK(ftkit_dict_get_item_ref(d, missing, &out) == 0 && out == NULL);
    list = PyList_New(0);
    CHECK(list != NULL);
    CHECK(ftkit_dict_get_item_ref(d, list, &out) == -1 && out == NULL);
    CHECK(PyErr_ExceptionMatches(PyExc_TypeError));
    PyErr_Clear();
    CHECK(ftkit_dict_get_item_string_ref(d, "k", &out) == 1 && out == value);
    Py_CLEAR(out);
    CHECK(ftkit_dict_get_item_string_ref(d, "nope", &out) == 0 && out == NULL);

    /* list_get_item_ref: new reference, IndexError out of range */
    CHECK(PyList_Append(list, value) == 0);
    out = ftkit_list_get_item_ref(list, 0);
    CHECK(out == value);
    Py_CLEAR(out);
    CHECK(ftkit_list_get_item_ref(list, 5) == NULL && PyErr_ExceptionMatches(PyExc_IndexError));
    PyErr_Clear();

    /* weakref_get_ref: alive, dead, not a weakref */
    target = PySet_New(NULL);
    CHECK(target != NULL);
    ref = PyWeakref_NewRef(target, NULL);
    CHECK(ref != NULL);
    CHECK(ftkit_weakref_get_ref(ref, &out) == 1 && out == target);
    Py_CLEAR(out);
    Py_CLEAR(target);
    CHECK(ftkit_weakref_get_ref(ref, &out) == 0 && out == NULL);
    CHECK(ftkit_weakref_get_ref(d, &out) == -1 && out == NULL && PyErr_ExceptionMatches(PyExc_TypeError));
    PyErr_Clear();

    /* import_add_module_ref: a new reference to sys.modules' entry */
    mod = ftkit_import_add_module_ref("ftkit_locks_header_test_added");
    CHECK(mod != NULL && PyModule_Check(mod));
    CHECK(Py_REFCNT(mod) >= 2); /* ours + sys.modules' */
    Py_CLEAR(mod);

    /* dict_set_default_ref: present (1, existing value), absent (0, inserts), NULL result */
    dflt = PyLong_FromLong(99);
    CHECK(dflt != NULL);
    CHECK(ftkit_dict_set_default_ref(d, key, dflt, &out) == 1 && out == value);
    Py_CLEAR(out);
    CHECK(ftkit_dict_set_default_ref(d, missing, dflt, &out) == 0 && out == dflt);
    Py_CLEAR(out);
    CHECK(PyDict_GetItemWithError(d, missing) == dflt);
    CHECK(ftkit_dict_set_default_ref(d, missing, value, NULL) == 1);

    /* dict_pop: present (1), absent (0, no KeyError), not a dict (-1) */
    CHECK(ftkit_dict_pop(d, missing, &out) == 1 && out == dflt);
    Py_CLEAR(out);
    CHECK(ftkit_dict_pop(d, missing, &out) == 0 && out == NULL && !PyErr_Occurred());
    CHECK(ftkit_dict_pop(d, key, NULL) == 1 && PyDict_Size(d) == 0);
    CHECK(ftkit_dict_pop(list, key, &out) == -1 && out == NULL);
    PyErr_Clear();

#if defined(__cplusplus)
    /* The C++ spellings forward to the same functions. */
    CHECK(ftkit::dict_set_default_ref(d, key, value, NULL) == 0);
    CHECK(ftkit::dict_get_item_ref(d, key, &out) == 1 && out == value);
    Py_CLEAR(out);
    CHECK(ftkit::dict_pop(d, key, &out) == 1 && out == value);
    Py_CLEAR(out);
    out = ftkit::list_get_item_ref(list, 0);
    CHECK(out == value);
    Py_CLEAR(out);
#endif

    Py_DECREF(d); Py_DECREF(key); Py_DECREF(missing); Py_DECREF(value); Py_DECREF(list);
    Py_DECREF(ref); Py_DECREF(dflt);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(d); Py_XDECREF(key); Py_XDECREF(missing); Py_XDECREF(value); Py_XDECREF(out);
    Py_XDECREF(list); Py_XDECREF(ref); Py_XDECREF(target); Py_XDECREF(mod); Py_XDECREF(dflt);
    return NULL;
}

static PyObject *check_critical_sections(PyObject *self, PyObject *args) {
    PyObject *a = PyList_New(0), *b = PyList_New(0);
    ftkit_critical_section cs;
    ftkit_critical_section2 cs2;
    (void)self;
    (void)args;
    CHECK(a && b);
    ftkit_critical_section_begin(&cs, a);
    CHECK(!CAN_SEE_LOCKS || OBJECT_LOCKED(a));
    /* PyList_Append takes a's critical section itself: recursion must not deadlock. */
    CHECK(PyList_Append(a, b) == 0);
    ftkit_critical_section_end(&cs);
    CHECK(!OBJECT_LOCKED(a));

    ftkit_critical_section2_begin(&cs2, a, b);
    CHECK(!CAN_SEE_LOCKS || (OBJECT_LOCKED(a) && OBJECT_LOCKED(b)));
    ftkit_critical_section2_end(&cs2);
    ftkit_critical_section2_begin(&cs2, b, a);
    ftkit_critical_section2_end(&cs2);
    ftkit_critical_section2_begin(&cs2, a, a); /* the same object twice locks it once */
    CHECK(!CAN_SEE_LOCKS || OBJECT_LOCKED(a));
    ftkit_critical_section2_end(&cs2);
    CHECK(!OBJECT_LOCKED(a) && !OBJECT_LOCKED(b));

#if defined(__cplusplus)
    {
        ftkit::critical_section guard(a);
        CHECK(!CAN_SEE_LOCKS || OBJECT_LOCKED(a));
    }
    CHECK(!OBJECT_LOCKED(a));
    {
        ftkit::critical_section2 guard(b, a);
        CHECK(!CAN_SEE_LOCKS || (OBJECT_LOCKED(a) && OBJECT_LOCKED(b)));
    }
    CHECK(!OBJECT_LOCKED(a) && !OBJECT_LOCKED(b));
#if FTKIT_FREE_THREADED && FTKIT_PY_AT_LEAST(3, 14)
    {
        ftkit::mutex m;
        {
            ftkit::critical_section guard(m.native_handle());
            CHECK(PyMutex_IsLocked(m.native_handle()));
        }
        CHECK(!PyMutex_IsLocked(m.native_handle()));
    }
#endif
#endif
    Py_DECREF(a);
    Py_DECREF(b);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(a);
    Py_XDECREF(b);
    return NULL;
}

#if defined(__cplusplus)
static ftkit::mutex shared_mutex;
static ftkit::once shared_once;

static PyObject *check_mutex(PyObject *, PyObject *) {
    ftkit::mutex m1, m2;
    long counter = 0;
    CHECK(m1.try_lock());
    CHECK(!m1.try_lock());
    m1.unlock();
    {
        std::lock_guard<ftkit::mutex> g(m1);
        CHECK(!m1.try_lock());
    }
    {
        std::scoped_lock g(m1, m2); /* needs Lockable: lock, try_lock, unlock */
        CHECK(!m1.try_lock() && !m2.try_lock());
    }
    CHECK(m1.try_lock() && m2.try_lock());
    m1.unlock();
    m2.unlock();

    /* Threads without a Python thread state, contending: the count must be exact. */
    Py_BEGIN_ALLOW_THREADS
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; t++) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20000; i++) {
                    std::lock_guard<ftkit::mutex> g(m1);
                    counter++;
                }
            });
        }
        for (auto &th : threads) th.join();
    }
    Py_END_ALLOW_THREADS
    CHECK(counter == 80000);

    /* The same while this thread holds the GIL (is attached): threads without a thread state
     * that block on the mutex must not mistake the GIL holder's thread state for their own. */
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; t++) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20000; i++) {
                    std::lock_guard<ftkit::mutex> g(m1);
                    counter++;
                }
            });
        }
        for (auto &th : threads) th.join();
    }
    CHECK(counter == 160000);

    /* A thread without a thread state waits for the mutex while this thread holds both the mutex
     * and the GIL: the waiter must simply block. Were it to "release the GIL" on our behalf
     * (3.9-3.11 keep one global current-thread-state pointer, the GIL holder's), this thread
     * would lose the GIL while it believes it holds it: PyGILState_Check() sees that. */
    {
        m1.lock();
        std::thread waiter([&] {
            std::lock_guard<ftkit::mutex> g(m1);
            counter++;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  /* GIL held: no Python runs */
        int still_holds_gil = PyGILState_Check();
        m1.unlock();
        waiter.join();
        CHECK(still_holds_gil == 1);
        CHECK(PyGILState_Check() == 1);
        CHECK(counter == 160001);
    }
    Py_RETURN_NONE;
fail:
    return NULL;
}

/* hold_mutex(f): call f() with shared_mutex held; lock_unlock(): take and drop it. A thread
 * blocked in lock_unlock() while another runs Python code in hold_mutex deadlocks unless the
 * waiting thread lets go of the GIL (GIL builds) or detaches (free-threaded stop-the-world). */
static PyObject *hold_mutex(PyObject *, PyObject *f) {
    std::lock_guard<ftkit::mutex> g(shared_mutex);
    return PyObject_CallNoArgs(f);
}

static PyObject *lock_unlock(PyObject *, PyObject *) {
    std::lock_guard<ftkit::mutex> g(shared_mutex);
    Py_RETURN_NONE;
}

/* once_call(f): runs f() under shared_once; returns True if this call ran it. A false result of
 * f() counts as a failure (the once stays un-done). */
static PyObject *once_call(PyObject *, PyObject *f) {
    bool ran = false;
    int rc = shared_once.call([&] {
        ran = true;
        PyObject *r = PyObject_CallNoArgs(f);
        if (r == NULL) return -1;
        int truth = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (truth == 0) PyErr_SetString(PyExc_ValueError, "initialiser failed");
        return truth == 1 ? 0 : -1;
    });
    if (rc < 0) return NULL;
    return PyBool_FromLong(ran);
}

static PyObject *once_done(PyObject *, PyObject *) { return PyBool_FromLong(shared_once.done()); }

static PyObject *check_borrow(PyObject *, PyObject *) {
    ftkit::borrow_flag flag;
    {
        ftkit::shared_borrow r1(flag, "Thing");
        ftkit::shared_borrow r2(flag, "Thing");
        CHECK(r1 && r2);
        ftkit::exclusive_borrow w(flag, "Thing");
        CHECK(bool(w) == !FTKIT_BORROW_GUARD_ACTIVE);
        if (!w) {
            CHECK(PyErr_ExceptionMatches(PyExc_RuntimeError));
            PyErr_Clear();
        }
    }
    {
        ftkit::exclusive_borrow w(flag, "Thing");
        CHECK(w);
        ftkit::shared_borrow r(flag, "Thing");
        CHECK(bool(r) == !FTKIT_BORROW_GUARD_ACTIVE);
        ftkit::exclusive_borrow w2(flag, "Thing");
        CHECK(bool(w2) == !FTKIT_BORROW_GUARD_ACTIVE);
        if (PyErr_Occurred()) {
            /* the message the user sees */
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyObject *text = PyObject_Str(value);
            int ok = text != NULL && PyUnicode_CompareWithASCIIString(
                text, "concurrent mutation of Thing object: another thread is modifying it at "
                      "the same time") == 0;
            Py_XDECREF(text); Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
            CHECK(ok);
        }
    }
    {
        ftkit::exclusive_borrow w(flag, "Thing");
        CHECK(w); /* everything released again */
    }
    return PyBool_FromLong(FTKIT_BORROW_GUARD_ACTIVE);
fail:
    return NULL;
}
#endif /* __cplusplus */

static PyObject *features(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
#if defined(__cplusplus)
    return Py_BuildValue("{s:i,s:l}", "free_threaded", FTKIT_FREE_THREADED, "cplusplus", (long)__cplusplus);
#else
    return Py_BuildValue("{s:i,s:l}", "free_threaded", FTKIT_FREE_THREADED, "cplusplus", 0L);
#endif
}

static PyMethodDef methods[] = {
    {"features", features, METH_NOARGS, NULL},
    {"check_refs", check_refs, METH_NOARGS, NULL},
    {"check_critical_sections", check_critical_sections, METH_NOARGS, NULL},
#if defined(__cplusplus)
    {"check_mutex", check_mutex, METH_NOARGS, NULL},
    {"hold_mutex", hold_mutex, METH_O, NULL},
    {"lock_unlock", lock_unlock, METH_NOARGS, NULL},
    {"once_call", once_call, METH_O, NULL},
    {"once_done", once_done, METH_NOARGS, NULL},
    {"check_borrow", check_borrow, METH_NOARGS, NULL},
#endif
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
#if FTKIT_PY_AT_LEAST(3, 13)
    {Py_mod_gil, Py_MOD_GIL_NOT_USED}, /* Py_mod_gil is new in 3.13 (PEP 703) */
#endif
    {0, NULL},
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "ftkit_locks_header_test", NULL, 0, methods,
                                 slots, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_ftkit_locks_header_test(void) { return PyModuleDef_Init(&def); }
