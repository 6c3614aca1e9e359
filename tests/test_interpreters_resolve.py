"""The one interpreter policy: --python, the running interpreter, PATH/pyenv/uv, the cache, then an
announced bootstrap; every refusal is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, interpreter
from ftkit.interpreters.cache import cache_root
from ftkit.interpreters.discover import Interpreter
from ftkit.interpreters.resolve import InterpreterError, _rank, check, pick, problem


def record(version="3.14.7", ft=True, gil=False, impl="cpython", ftkit="/site/ftkit", error=None):
    return Interpreter("/x/python", "PATH", version, impl, ft, gil, error, ftkit=ftkit)


@pytest.mark.parametrize("found, needs_ftkit, message", [
    (record(), False, None),
    (record(ftkit=None), False, None),
    (record(ftkit=None), True, "/x/python has no ftkit installed, which gilcheck runs inside it"),
    (record(ft=False, gil=True), False, "/x/python is CPython 3.14.7 with the GIL: gilcheck needs a "
                                        "free-threaded build (3.13t or later)"),
    (record(gil=True), False, "/x/python: the GIL is already enabled at start-up"),
    (record(impl="pypy", ft=False), False, "/x/python is pypy 3.14.7, not CPython"),
    (record(error="exit 1: Fatal Python error: no encodings"), False,
     "/x/python: cannot use it (exit 1: Fatal Python error: no encodings)"),
])
def test_problem_says_why_in_one_line(found, needs_ftkit, message):
    why = problem(found, "gilcheck", needs_ftkit)
    assert why is None if message is None else why.startswith(message), why
    assert why is None or "\n" not in why


def test_rank_prefers_the_default_variant_then_final_releases_then_the_newest():
    found = [record("3.13.5"), record("3.15.0rc1"), record("3.14.7"), record("3.15.2")]
    assert max(found, key=_rank).version == "3.14.7"
    assert max(found[:2] + found[3:], key=_rank).version == "3.15.2"
    assert max(found[:2], key=_rank).version == "3.13.5"


def test_check_refuses_what_is_not_an_interpreter(tmp_path):
    text = tmp_path / "python3.14t"
    text.write_text("not a program\n")
    with pytest.raises(InterpreterError, match=r"^/bin/true: not a Python interpreter \(exit 0, it sent no"):
        check("/bin/true", "gilcheck")
    with pytest.raises(InterpreterError, match=r"python3.14t: cannot run it \(Permission denied\)$"):
        check(str(text), "gilcheck")
    with pytest.raises(InterpreterError, match=r"cannot run it \(No such file or directory\)$"):
        check(str(tmp_path / "missing"), "gilcheck")


def test_check_accepts_this_interpreter_and_refuses_the_gil_forced_on(ft_python):
    assert check(sys.executable, "gilcheck").free_threaded is True
    with pytest.raises(InterpreterError, match="the GIL is already enabled at start-up"):
        check(ft_python, "gilcheck", env=os.environ | {"PYTHON_GIL": "1"})
    with pytest.raises(InterpreterError, match="has no ftkit installed, which stress runs inside it"):
        check(ft_python, "stress", needs_ftkit=True)  # the cache's interpreter: ftkit is in .venv only
    assert check(sys.executable, "stress", needs_ftkit=True).ftkit is not None


# Run from a GIL interpreter (so "the running one" does not answer) with ftkit from the source tree;
# each case points PATH, HOME (pyenv), uv's folder and the cache somewhere of its own.
FIND = r"""
import json, os, sys
from ftkit.interpreters.resolve import InterpreterError, find, resolve
out = {}
for case, env in json.loads(sys.argv[1]).items():
    os.environ.update(env)
    try:
        found = resolve("gilcheck", no_bootstrap=True)
        out[case] = [found.path, found.source]
    except InterpreterError as e:
        out[case] = str(e)
print(json.dumps(out))
"""


@pytest.mark.slow
def test_found_on_path_then_pyenv_then_uv_then_the_cache_from_a_gil_interpreter(tmp_path, ft_python):
    gil_python = interpreter("3.14")
    layouts = {
        "path": "path/python3.14t",
        "pyenv": "home/.pyenv/versions/3.14t/bin/python3",
        "uv": "uv/cpython-3.14.0+freethreaded-linux-x86_64-gnu/bin/python3.14t",
    }
    for rel in layouts.values():
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).symlink_to(ft_python)
    # A free-threaded interpreter of its own (not a link to the cache's): a venv with copied binaries.
    subprocess.run([ft_python, "-m", "venv", "--copies", "--without-pip", str(tmp_path / "venv")], check=True,
                   timeout=300)
    empty = {"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path / "nohome"),
             "UV_PYTHON_INSTALL_DIR": str(tmp_path / "nouv"), "FTKIT_CACHE": str(tmp_path / "nocache")}
    real_cache = str(cache_root())
    cases = {
        "nothing": empty,
        "path": {**empty, "PATH": str(tmp_path / "path")},
        "pyenv": {**empty, "HOME": str(tmp_path / "home")},
        "uv": {**empty, "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv")},
        "cache": {**empty, "FTKIT_CACHE": real_cache},
        "path-before-cache": {**empty, "FTKIT_CACHE": real_cache, "PATH": str(tmp_path / "venv" / "bin")},
    }
    env = {k: v for k, v in os.environ.items() if k not in ("PYENV_ROOT", "XDG_DATA_HOME", "PYTHON_GIL")}
    proc = subprocess.run([gil_python, "-c", FIND, json.dumps(cases)], capture_output=True, text=True,
                          env=env | {"PYTHONPATH": str(REPO / "python")}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["nothing"] == ("no free-threaded interpreter found (looked at --python, the running interpreter, "
                              "PATH, pyenv, uv's interpreters and the ftkit cache); `ftkit bootstrap 3.14t` "
                              "builds one, or pass --python")
    for case in ("path", "pyenv", "uv"):
        assert got[case] == [str(tmp_path / layouts[case]), "PATH" if case == "path" else case], got
    assert got["cache"] == [ft_python, "ftkit cache"]
    path, source = got["path-before-cache"]
    assert path.startswith(str(tmp_path / "venv" / "bin")) and source == "PATH", got


def test_no_bootstrap_from_a_gil_interpreter_is_exit_2_naming_the_command(tmp_path):
    gil_python = interpreter("3.14")
    env = {k: v for k, v in os.environ.items() if k not in ("PYENV_ROOT", "XDG_DATA_HOME")}
    env |= {"PATH": str(tmp_path), "HOME": str(tmp_path), "FTKIT_CACHE": str(tmp_path / "cache"),
            "UV_PYTHON_INSTALL_DIR": str(tmp_path), "PYTHONPATH": str(REPO / "python")}
    proc = subprocess.run([gil_python, "-m", "ftkit", "gilcheck", str(tmp_path), "--no-bootstrap"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "`ftkit bootstrap 3.14t` builds one" in proc.stderr and "Traceback" not in proc.stderr


def test_pick_follows_the_order_running_installed_cache():
    def at(source, version="3.14.7", gil=False):
        return Interpreter(f"/{source}/python", source, version, "cpython", True, gil)

    assert pick([at("ftkit cache"), at("uv"), at("running")], "gilcheck").source == "running"
    assert pick([at("ftkit cache"), at("pyenv", "3.13.5")], "gilcheck").source == "pyenv"
    assert pick([at("ftkit cache"), at("PATH", gil=True)], "gilcheck").source == "ftkit cache"
    assert pick([at("PATH, ftkit cache")], "gilcheck").source == "PATH, ftkit cache"
    assert pick([at("running", gil=True)], "gilcheck") is None


def test_a_bootstrap_is_announced_before_it_starts_and_its_failure_is_one_line(tmp_path):
    gil_python = interpreter("3.14")
    table = tmp_path / "sources.json"
    table.write_text(json.dumps({"3.99": []}))  # knows no 3.14 tarball: the build stops at its first step
    env = {k: v for k, v in os.environ.items() if k not in ("PYENV_ROOT", "XDG_DATA_HOME")}
    env |= {"PATH": str(tmp_path), "HOME": str(tmp_path), "FTKIT_CACHE": str(tmp_path / "cache"),
            "UV_PYTHON_INSTALL_DIR": str(tmp_path), "PYTHONPATH": str(REPO / "python"),
            "FTKIT_CPYTHON_SOURCES": str(table)}
    proc = subprocess.run([gil_python, "-m", "ftkit", "gilcheck", str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    plan, step, error = proc.stderr.splitlines()
    assert plan.startswith("ftkit: no free-threaded interpreter found (`--python` picks one, `--no-bootstrap` "
                           "refuses to build); building CPython 3.14t from source into ")
    assert f"about 5 minutes on 2 cores; logs: {tmp_path / 'cache' / 'logs'}/3.14t-*.log" in plan
    assert step == "ftkit: building CPython 3.14t: downloading the source tarball"
    assert error == "ftkit gilcheck: no source tarball is known for CPython 3.14"
