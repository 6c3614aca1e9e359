"""Native models: a C extension built against the shipped include/ftkit/history_model.h, checked
through ftkit.history.check with the model handed over in a PyCapsule."""

from __future__ import annotations

import importlib.util
import os

import pytest

import ftkit
from ftkit.history import HistoryError, Op, check

SOURCE = r"""
#include <Python.h>
#include <ftkit/history_model.h>

/* A bank account: deposit(n), withdraw(n) -> 1 if the balance covered it (and then it is
 * taken) else 0, balance() -> n. */
static size_t init(void *ctx, int64_t *out, size_t cap) { (void)ctx; if (cap) out[0] = 0; return 1; }
static int step(void *ctx, const int64_t *from, size_t n, const ftkit_history_op *op, int64_t *to,
                size_t cap, size_t *to_len) {
    (void)ctx; (void)n; (void)cap;
    *to_len = 1;
    to[0] = from[0];
    switch (op->kind) {
    case 0: to[0] = from[0] + op->input; return 1;
    case 1: {
        int ok = from[0] >= op->input;
        if (ok) to[0] = from[0] - op->input;
        return op->unknown || op->output == ok;
    }
    default: return op->unknown || op->output == from[0];
    }
}
static const char *const kinds[] = {"deposit", "withdraw", "balance"};
static ftkit_history_model account = {FTKIT_HISTORY_MODEL_ABI, NULL, kinds, 3, init, step, NULL, NULL};
static ftkit_history_model future = {FTKIT_HISTORY_MODEL_ABI + 1, NULL, kinds, 3, init, step, NULL, NULL};

static int exec_module(PyObject *m) {
    if (PyModule_Add(m, "__ftkit_history_model__",
                     PyCapsule_New(&account, FTKIT_HISTORY_MODEL_CAPSULE, NULL)) < 0) return -1;
    if (PyModule_Add(m, "FUTURE", PyCapsule_New(&future, FTKIT_HISTORY_MODEL_CAPSULE, NULL)) < 0) return -1;
    return PyModule_Add(m, "WRONG_NAME", PyCapsule_New(&account, "something.else", NULL));
}
static PyModuleDef_Slot slots[] = {{Py_mod_exec, (void *)exec_module},
                                   {Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "account_model", NULL, 0, NULL, slots};
PyMODINIT_FUNC PyInit_account_model(void) { return PyModuleDef_Init(&def); }
"""


@pytest.fixture(scope="module")
def account(compile_extension):
    include = ftkit.get_include()
    assert os.path.isfile(os.path.join(include, "ftkit", "history_model.h"))  # shipped with the package
    path = compile_extension(SOURCE, "account_model", extra_args=("-I", include))
    spec = importlib.util.spec_from_file_location("account_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_native_model_decides_like_a_python_one(account):
    # Two concurrent withdrawals of 80 from 100: both cannot succeed.
    both = [Op(0, "deposit", (100,), None, 0, 1), Op(1, "withdraw", (80,), 1, 2, 10),
            Op(2, "withdraw", (80,), 1, 2, 10)]
    one = [*both[:2], Op(2, "withdraw", (80,), 0, 2, 10), Op(0, "balance", (), 20, 11, 12)]
    assert check(both, account).verdict == "illegal"
    assert check(one, account).verdict == "ok"
    assert check(one, account.__ftkit_history_model__).verdict == "ok"  # the capsule itself


def test_unknown_outcome_reaches_native_step(account):
    crashed = [Op(0, "deposit", (100,), None, 0, 1), Op(1, "withdraw", (80,), None, 2, None),
               Op(0, "balance", (), 20, 5, 6)]
    assert check(crashed, account).verdict == "ok"


def test_bad_capsules_are_clear_errors(account):
    with pytest.raises(HistoryError, match="ABI version"):
        check([], account.FUTURE)
    with pytest.raises(HistoryError, match="not a usable native model"):
        check([], account.WRONG_NAME)
    with pytest.raises(HistoryError, match="not one of this model's"):
        check([Op(0, "transfer", (1,), None, 0, 1)], account)
