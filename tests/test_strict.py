"""FTKIT_STRICT_GIL=1: the .pth hook shipped in the wheel makes the GIL turning on fatal in any process.

Also re-checks DESIGN.md's facts that make strict mode fatal rather than a recoverable import error.
Everything that could enable the GIL runs in a child process (ftkit's own plugin, in strict mode, watches ours).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ftkit.strict import EXIT_CODE
from harness.sources import multi_phase, single_phase

REPORT = "import sys; print('in_sys_modules=%s gil=%s' % ({name!r} in sys.modules, sys._is_gil_enabled()))"


def run(args, cwd: Path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "FTKIT_STRICT_GIL")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=base | {"PYTHONPATH": str(cwd)} | env, timeout=60)


@pytest.fixture
def project(tmp_path, compile_extension, ft_python):
    """tmp_path with modules `silent`, `fine` and a package `pkg` whose __init__ imports pkg._core (silent)."""
    for name, gil in (("silent", None), ("fine", "not_used")):
        shutil.copy(compile_extension(multi_phase(name, gil), name, ft_python), tmp_path)
    (tmp_path / "pkg").mkdir()
    shutil.copy(compile_extension(multi_phase("_core", None), "_core", ft_python), tmp_path / "pkg")
    (tmp_path / "pkg" / "__init__.py").write_text("from . import _core\n")
    return tmp_path


@pytest.mark.parametrize("kind, source, in_sys_modules", [
    ("multi-phase", multi_phase, False), ("single-phase", single_phase, True)])
def test_design_fact_warning_as_error_still_leaves_the_gil_on(tmp_path, compile_extension, ft_python,
                                                              kind, source, in_sys_modules):
    shutil.copy(compile_extension(source("fact_mod", None), "fact_mod", ft_python), tmp_path)
    code = "try:\n    import fact_mod\nexcept RuntimeWarning as e:\n    print('raised', e)\n" + \
        REPORT.format(name="fact_mod")
    proc = run(["-W", "error::RuntimeWarning", "-c", code], tmp_path)
    assert "raised The global interpreter lock (GIL) has been enabled to load module 'fact_mod'" in proc.stdout
    assert f"in_sys_modules={in_sys_modules} gil=True" in proc.stdout, proc.stderr
    proc = run(["-X", "gil=0", "-c", "import fact_mod\n" + REPORT.format(name="fact_mod")], tmp_path)
    assert "in_sys_modules=True gil=False" in proc.stdout, proc.stderr


def test_pth_hook_is_installed_in_the_environment():
    site = Path(sysconfig.get_paths()["purelib"])
    pth = site / "00-ftkit-strict.pth"
    assert pth.is_file(), f"{pth} missing: was ftkit installed with `make install`?"
    assert pth.read_text().startswith("import os;")  # site.py executes only lines starting with import
    first = sorted(p.name for p in site.glob("*.pth"))[0]
    assert first == pth.name  # runs before every other .pth of this site-packages


def test_strict_exits_with_module_file_and_chain(project):
    (project / "main.py").write_text("import fine\nprint('before', flush=True)\nimport pkg\nprint('after')\n")
    proc = run(["main.py"], project, FTKIT_STRICT_GIL="1")
    assert proc.returncode == EXIT_CODE == 86
    assert proc.stdout == "before\n"  # fatal at once: nothing after the import runs
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("ftkit strict GIL")]
    assert len(lines) == 2, proc.stderr
    assert "loading extension module 'pkg._core' (" + str(project / "pkg" / "_core.") in lines[0]
    assert lines[0].endswith("import chain: main.py -> pkg/__init__.py -> pkg._core")
    # The fix names the declaration of the generator ftkit reads from the file (ftkit.rules): C API.
    assert f"exiting with code {EXIT_CODE}; fix: add `{{Py_mod_gil, Py_MOD_GIL_NOT_USED}}`" in lines[1]
    assert "cython" not in lines[1] and "pybind11" not in lines[1]


def test_strict_catches_imports_before_user_code(project):
    (project / "sitecustomize.py").write_text("import silent\n")  # runs during site, before -c
    proc = run(["-c", "print('user code ran')"], project, FTKIT_STRICT_GIL="1")
    assert proc.returncode == EXIT_CODE, proc.stderr
    assert "user code ran" not in proc.stdout
    assert "'silent'" in proc.stderr and "import chain: sitecustomize.py -> silent" in proc.stderr


@pytest.mark.parametrize("value", ["", "0"])
def test_unset_or_zero_is_passive(project, value):
    proc = run(["-c", "import pkg; import sys; print(sys._is_gil_enabled())"], project, FTKIT_STRICT_GIL=value)
    assert proc.returncode == 0 and proc.stdout == "True\n"
    assert "ftkit" not in proc.stderr


def test_declared_modules_pass(project):
    proc = run(["-c", "import fine; print('ok')"], project, FTKIT_STRICT_GIL="1")
    assert proc.returncode == 0 and proc.stdout == "ok\n", proc.stderr


def test_gil_forced_on_at_start_up_is_fatal(project):
    proc = run(["-c", "print('user code ran')"], project, FTKIT_STRICT_GIL="1", PYTHON_GIL="1")
    assert proc.returncode == EXIT_CODE
    assert "the GIL was already enabled at start-up (PYTHON_GIL=1 / -X gil=1 forces it on)" in proc.stderr


def test_python_gil_0_keeps_it_off_and_strict_quiet(project):
    proc = run(["-c", "import pkg; import sys; print(sys._is_gil_enabled())"], project,
               FTKIT_STRICT_GIL="1", PYTHON_GIL="0")
    assert proc.returncode == 0 and proc.stdout == "False\n", proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("capture", [[], ["-s"], ["-n", "2"]], ids=["fd-capture", "no-capture", "xdist"])
def test_strict_message_reaches_the_user_whatever_captures_output(project, capture):
    """Issue 11 item 3: `FTKIT_STRICT_GIL=1 pytest -p no:ftkit` printed `.` and exited 86 with no message,
    pytest's fd capture having swallowed what was written to fd 2 before os._exit."""
    (project / "test_lazy.py").write_text("def test_fine():\n    import fine\n\n"
                                          "def test_lazy():\n    import pkg\n")
    proc = run(["-m", "pytest", "-p", "no:ftkit", "-p", "no:cacheprovider", "-q", *capture, "test_lazy.py"],
               project, FTKIT_STRICT_GIL="1")
    text = " ".join(proc.stderr.split())
    assert ("ftkit strict GIL (FTKIT_STRICT_GIL=1): the GIL was enabled by loading extension module 'pkg._core'"
            in text), proc.stdout + proc.stderr
    assert "import chain: test_lazy.py:5 (test_lazy) -> pkg/__init__.py -> pkg._core" in text
    assert f"exiting with code {EXIT_CODE}" in text
    if "-n" in capture:  # xdist reports the worker's exit as a crash of that test
        assert proc.returncode == pytest.ExitCode.TESTS_FAILED, proc.stdout
        assert "worker 'gw" in proc.stdout and "crashed while running 'test_lazy.py::test_lazy'" in proc.stdout
    else:
        assert proc.returncode == EXIT_CODE, proc.stdout + proc.stderr
