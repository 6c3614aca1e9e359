"""The fixture compiler builds real modules for a chosen interpreter; re-checks DESIGN.md's facts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import interpreter
from harness.compile_ext import CompileError, build_extension, cythonize, interpreter_build_info
from harness.sources import multi_phase, single_phase

IMPORT_AND_REPORT = (
    "import sys, {name}; print('gil_enabled=' + str(sys._is_gil_enabled()))"
)


def import_in_child(python: str, path, name: str, env_extra: dict | None = None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"} | (env_extra or {})
    env["PYTHONPATH"] = str(path.parent)
    return subprocess.run([python, "-c", IMPORT_AND_REPORT.format(name=name)],
                          capture_output=True, text=True, env=env, timeout=60)


def test_declaring_module_keeps_gil_off(compile_extension, ft_python):
    path = compile_extension(multi_phase("ft_declares", "not_used"), "ft_declares", ft_python)
    assert path.name.endswith(".cpython-314t-x86_64-linux-gnu.so")
    proc = import_in_child(ft_python, path, "ft_declares")
    assert proc.returncode == 0, proc.stderr
    assert "gil_enabled=False" in proc.stdout
    assert "RuntimeWarning" not in proc.stderr


@pytest.mark.parametrize("source", [multi_phase("ft_silent", None), single_phase("ft_silent", None)],
                         ids=["multi-phase", "single-phase"])
def test_undeclared_module_turns_gil_on_with_only_a_warning(compile_extension, ft_python, source):
    path = compile_extension(source, "ft_silent", ft_python)
    proc = import_in_child(ft_python, path, "ft_silent")
    assert proc.returncode == 0, proc.stderr
    assert "gil_enabled=True" in proc.stdout
    assert "RuntimeWarning: The global interpreter lock (GIL) has been enabled to load module 'ft_silent'" \
        in proc.stderr


def test_python_gil_0_keeps_gil_off_for_undeclared_module(compile_extension, ft_python):
    path = compile_extension(multi_phase("ft_silent", None), "ft_silent", ft_python)
    proc = import_in_child(ft_python, path, "ft_silent", {"PYTHON_GIL": "0"})
    assert "gil_enabled=False" in proc.stdout, proc.stderr


def test_single_phase_set_gil_declares_support(compile_extension, ft_python):
    path = compile_extension(single_phase("ft_single", "not_used"), "ft_single", ft_python)
    proc = import_in_child(ft_python, path, "ft_single")
    assert "gil_enabled=False" in proc.stdout, proc.stderr


def test_same_source_is_compiled_once(compile_extension, ft_python):
    first = compile_extension(multi_phase("ft_cached", "not_used"), "ft_cached", ft_python)
    mtime = first.stat().st_mtime_ns
    again = compile_extension(multi_phase("ft_cached", "not_used"), "ft_cached", ft_python)
    assert again == first and again.stat().st_mtime_ns == mtime
    changed = compile_extension(multi_phase("ft_cached", "used"), "ft_cached", ft_python)
    assert changed != first


def test_builds_for_a_gil_interpreter_with_its_own_suffix(compile_extension):
    gil_python = interpreter("3.14")
    path = compile_extension(multi_phase("gil_mod", None), "gil_mod", gil_python)
    assert path.name.endswith(".cpython-314-x86_64-linux-gnu.so")
    assert interpreter_build_info(gil_python)["free_threaded"] is False
    proc = import_in_child(gil_python, path, "gil_mod")
    assert proc.returncode == 0 and "gil_enabled=True" in proc.stdout, proc.stderr


def test_cplusplus_source(compile_extension, ft_python):
    source = multi_phase("ft_cpp", "not_used").replace(
        "#include <Python.h>", "#include <Python.h>\n#include <vector>\nstatic std::vector<int> v{1};")
    path = compile_extension(source, "ft_cpp", ft_python, lang="c++")
    assert "gil_enabled=False" in import_in_child(ft_python, path, "ft_cpp").stdout


def test_compile_error_carries_compiler_output():
    with pytest.raises(CompileError, match="this_is_not_c"):
        build_extension("int this_is_not_c( {", "broken", sys.executable)


def test_editing_a_dependency_rebuilds(compile_extension, ft_python, tmp_path):
    header = tmp_path / "answer.h"
    header.write_text("#define ANSWER 42\n")
    source = multi_phase("ft_dep", "not_used").replace(
        "#include <Python.h>", '#include <Python.h>\n#include "answer.h"')

    def build():
        return build_extension(source, "ft_dep", ft_python, extra_args=("-I", str(tmp_path)),
                               depends=(tmp_path,))

    first = build()
    assert build() == first
    header.write_text("#define ANSWER 43\n")
    assert build() != first


@pytest.mark.slow
def test_cythonize_is_cached_by_content_and_its_pxd(tmp_path, monkeypatch):
    monkeypatch.setenv("FTKIT_CACHE", str(tmp_path / "cache"))  # a cold cache of its own
    (tmp_path / "consts.pxd").write_text("cdef enum:\n    ANSWER = 42\n")
    pyx = tmp_path / "cy_answer.pyx"
    pyx.write_text("from consts cimport ANSWER\ndef answer():\n    return ANSWER\n")
    first = cythonize(pyx, sys.executable, depends=(tmp_path / "consts.pxd",))
    assert "__pyx_pw_9cy_answer_1answer" in first
    (outputs,) = [list(d.iterdir()) for d in (tmp_path / "cache" / "fixtures").iterdir()]
    assert [p.name for p in outputs] == ["cy_answer.c"]
    assert cythonize(pyx, sys.executable, depends=(tmp_path / "consts.pxd",)) == first  # no second run
    assert len(list((tmp_path / "cache" / "fixtures").iterdir())) == 1
    (tmp_path / "consts.pxd").write_text("cdef enum:\n    ANSWER = 43\n")
    cythonize(pyx, sys.executable, depends=(tmp_path / "consts.pxd",))
    assert len(list((tmp_path / "cache" / "fixtures").iterdir())) == 2  # the .pxd is part of the key
    pyx.write_text("def broken(:\n")
    with pytest.raises(CompileError, match="cythonizing .*cy_answer.pyx failed"):
        cythonize(pyx, sys.executable)
