/* ftkit: strong-reference getters (PyDict_GetItemRef & co.) on 3.9+, the real API on 3.13+.
 *
 * C-compatible. Borrowed references are unsafe under free threading: another thread may drop
 * the last reference between the lookup and the caller's Py_INCREF. 3.13 added getters that
 * return a new reference (What's New in 3.13, "New Features" of the C API). Before 3.13 only
 * GIL builds exist, and there the backports below are correct because they take the reference
 * before any Python code can run (no other thread can run while this one holds the GIL). The
 * fallbacks follow pythoncapi-compat's semantics (python/pythoncapi-compat, pythoncapi_compat.h).
 */
#ifndef FTKIT_REFS_HPP
#define FTKIT_REFS_HPP

#include "config.hpp"

/* Return 1 and a new reference in *result if key is present, 0 and NULL if absent, -1 and NULL
 * on error. Signature of PyDict_GetItemRef (Include/dictobject.h, 3.13, gh-106004). */
FTKIT_INLINE int ftkit_dict_get_item_ref(PyObject *mp, PyObject *key, PyObject **result) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyDict_GetItemRef(mp, key, result);
#else
    PyObject *item = PyDict_GetItemWithError(mp, key);
    if (item != NULL) {
        Py_INCREF(item);
        *result = item;
        return 1;
    }
    *result = NULL;
    return PyErr_Occurred() ? -1 : 0;
#endif
}

/* PyDict_GetItemStringRef (Include/dictobject.h, 3.13, gh-106004). */
FTKIT_INLINE int ftkit_dict_get_item_string_ref(PyObject *mp, const char *key, PyObject **result) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyDict_GetItemStringRef(mp, key, result);
#else
    int rc;
    PyObject *key_obj = PyUnicode_FromString(key);
    if (key_obj == NULL) {
        *result = NULL;
        return -1;
    }
    rc = ftkit_dict_get_item_ref(mp, key_obj, result);
    Py_DECREF(key_obj);
    return rc;
#endif
}

/* New reference to list[index], NULL with IndexError when out of range.
 * PyList_GetItemRef (Include/listobject.h, 3.13, gh-114329). A non-list raises TypeError from
 * 3.13 on, SystemError (PyList_GetItem's bad internal call) before. */
FTKIT_INLINE PyObject *ftkit_list_get_item_ref(PyObject *list, Py_ssize_t index) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyList_GetItemRef(list, index);
#else
    PyObject *item = PyList_GetItem(list, index);
    Py_XINCREF(item);
    return item;
#endif
}

/* 1 and a new reference to the referent, 0 and NULL if it is dead, -1 and NULL on error
 * (TypeError when ref is not a weak reference). PyWeakref_GetRef (Include/weakrefobject.h,
 * 3.13, gh-105927); PyWeakref_GetObject, used before 3.13, is deprecated since then. */
FTKIT_INLINE int ftkit_weakref_get_ref(PyObject *ref, PyObject **pobj) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyWeakref_GetRef(ref, pobj);
#else
    PyObject *obj;
    if (ref == NULL || !PyWeakref_Check(ref)) {
        *pobj = NULL;
        PyErr_SetString(PyExc_TypeError, "expected a weakref");
        return -1;
    }
    obj = PyWeakref_GetObject(ref);
    if (obj == NULL) {
        *pobj = NULL;
        return -1;
    }
    if (obj == Py_None) {
        *pobj = NULL;
        return 0;
    }
    Py_INCREF(obj);
    *pobj = obj;
    return 1;
#endif
}

/* New reference to sys.modules[name], created empty if missing. PyImport_AddModuleRef
 * (Include/import.h, 3.13, gh-105922). */
FTKIT_INLINE PyObject *ftkit_import_add_module_ref(const char *name) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyImport_AddModuleRef(name);
#else
    PyObject *module = PyImport_AddModule(name);
    Py_XINCREF(module);
    return module;
#endif
}

/* Insert default_value unless key is present; 0 if it was inserted, 1 if key was present, -1 on
 * error; *result (if result is not NULL) gets a new reference to the value now in the dict.
 * PyDict_SetDefaultRef (Include/cpython/dictobject.h, 3.13, gh-112066). */
FTKIT_INLINE int ftkit_dict_set_default_ref(PyObject *mp, PyObject *key, PyObject *default_value,
                                            PyObject **result) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyDict_SetDefaultRef(mp, key, default_value, result);
#else
    PyObject *value;
    int found = ftkit_dict_get_item_ref(mp, key, &value);
    if (found < 0) {
        if (result != NULL) *result = NULL;
        return -1;
    }
    if (found == 0) {
        if (PyDict_SetItem(mp, key, default_value) < 0) {
            if (result != NULL) *result = NULL;
            return -1;
        }
        Py_INCREF(default_value);
        value = default_value;
    }
    if (result != NULL) {
        *result = value;
    } else {
        Py_DECREF(value);
    }
    return found;
#endif
}

/* Remove key; 1 and (if result is not NULL) a new reference to its value, 0 and NULL if it was
 * missing (no KeyError), -1 and NULL on error. PyDict_Pop (Include/cpython/dictobject.h, 3.13,
 * gh-111262). Before 3.13, the private _PyDict_Pop(dict, key, NULL) does the same in one
 * dict operation, raising KeyError when the key is missing (Objects/dictobject.c, 3.6-3.12). */
FTKIT_INLINE int ftkit_dict_pop(PyObject *dict, PyObject *key, PyObject **result) {
#if FTKIT_PY_AT_LEAST(3, 13)
    return PyDict_Pop(dict, key, result);
#else
    PyObject *value;
    if (!PyDict_Check(dict)) {
        PyErr_BadInternalCall();
        if (result != NULL) *result = NULL;
        return -1;
    }
    value = _PyDict_Pop(dict, key, NULL);
    if (value == NULL) {
        if (result != NULL) *result = NULL;
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            return 0;
        }
        return -1;
    }
    if (result != NULL) {
        *result = value;
    } else {
        Py_DECREF(value);
    }
    return 1;
#endif
}

#if defined(__cplusplus)
namespace ftkit {
/** C++ spellings of the getters above; same arguments, same results. */
inline int dict_get_item_ref(PyObject *mp, PyObject *key, PyObject **result) {
    return ftkit_dict_get_item_ref(mp, key, result);
}
inline int dict_get_item_string_ref(PyObject *mp, const char *key, PyObject **result) {
    return ftkit_dict_get_item_string_ref(mp, key, result);
}
inline PyObject *list_get_item_ref(PyObject *list, Py_ssize_t index) {
    return ftkit_list_get_item_ref(list, index);
}
inline int weakref_get_ref(PyObject *ref, PyObject **pobj) { return ftkit_weakref_get_ref(ref, pobj); }
inline PyObject *import_add_module_ref(const char *name) { return ftkit_import_add_module_ref(name); }
inline int dict_set_default_ref(PyObject *mp, PyObject *key, PyObject *default_value, PyObject **result) {
    return ftkit_dict_set_default_ref(mp, key, default_value, result);
}
inline int dict_pop(PyObject *dict, PyObject *key, PyObject **result) {
    return ftkit_dict_pop(dict, key, result);
}
}  // namespace ftkit
#endif

#endif /* FTKIT_REFS_HPP */
