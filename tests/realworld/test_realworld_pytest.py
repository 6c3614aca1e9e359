"""ftkit's pytest plugin on real projects' own test suites: msgpack 1.2.4's test/ files, bitarray's and
greenlet 3.1.1's packaged tests, passive, strict, under pytest-xdist and beside pytest-run-parallel
(issue 11, "a real-project regression suite").

msgpack is built twice by `make prepare` (harness/realworld.py): as released (its Cython directive
declares free-threading support) and without the directive (its module then requires the GIL).
Its tests (and bitarray's, from the "installed" venv) run in this suite's free-threaded interpreter
(sys.executable: the .venv 3.14t, which has this checkout's ftkit, pytest-xdist and pytest-run-parallel)
with the prepared venv's site-packages on PYTHONPATH: the same CPython build the venv was made from, so
the cp314t wheels load as they do there, and the plugin under test is the one this checkout built, not
a copy frozen into the venv.
greenlet's tests run in the prepared 3.13t venv "greenlet-tests" (pytest, pytest-xdist and what its
tests import), with the plugin from this checkout's python/ on PYTHONPATH (`-p ftkit.pytest_plugin`):
the plugin is pure Python, so this is the code a built ftkit would install, without a 3.13t C++ build.
What the plugin must say is measured first by importing the module in that same setup (gil_truth).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gil_truth import environment, requires_gil

from harness import realworld
from harness.manifest import GREENLET_TESTS, REALWORLD_VENVS
from harness.venvs import REPO

pytestmark = pytest.mark.slow  # a real project's tests: a few seconds per run, prepared by `make prepare`
VENVS = {v.name: v for v in REALWORLD_VENVS}
MODULE = "msgpack._cmsgpack"
# A few of msgpack's own test files (its sdist's test/ folder), each importing msgpack at the top.
TEST_FILES = ("test_seq.py", "test_buffer.py", "test_pack.py")


def site_packages(venv: str) -> Path:
    (site,) = realworld.venv_python(VENVS[venv]).parent.parent.glob("lib/python*/site-packages")
    return site


def words(text: str) -> str:
    return " ".join(text.split())  # the summary line wraps at COLUMNS


def run_pytest(python: Path | str, pythonpath: Path, files: list[Path], cwd: Path, *args: str) -> tuple[int, str]:
    """(exit code, output) of `python -m pytest` on a project's own test files, run from cwd."""
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", *args, *map(str, files)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=environment(pythonpath))
    return proc.returncode, proc.stdout + proc.stderr


def run_msgpack_tests(venv: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    """From tmp_path, not the checkout, whose unbuilt ./msgpack would shadow the installed one."""
    tests = realworld.source_dir(realworld.CHECKOUT) / "test"
    return run_pytest(sys.executable, site_packages(venv), [tests / f for f in TEST_FILES], tmp_path, *args)


def truth(venv: str, tmp_path: Path) -> bool:
    """Whether CPython says msgpack's C module requires the GIL, imported as the runs import it."""
    requires, imported = requires_gil(sys.executable, MODULE, tmp_path, site_packages(venv))
    assert imported
    return requires


def junit_gil(path: Path) -> str:
    found = {p.get("name"): p.get("value") for p in ET.parse(path).getroot().iter("property")}
    return found["ftkit_gil"]


@pytest.mark.parametrize("venv", ["installed", "nodirective"])
def test_passive_summary_and_junit_agree_with_cpython(venv, tmp_path):
    enables = truth(venv, tmp_path)
    code, out = run_msgpack_tests(venv, tmp_path, f"--junitxml={tmp_path / 'junit.xml'}")
    text = words(out)
    assert code == 0, out  # passive: msgpack's own tests pass either way; the plugin only reports
    assert str(site_packages(venv)) in text or not enables, out  # the installed module, not ./msgpack
    if enables:
        # Its tests import msgpack at the top of the file: the flip happens collecting the first one.
        assert re.search(rf"ftkit: GIL ENABLED during collection of \S*{TEST_FILES[0]} by extension module "
                         rf"'{MODULE}'", text), out
        assert junit_gil(tmp_path / "junit.xml") == "enabled"
    else:
        assert "ftkit: GIL stayed disabled for the whole run" in text, out
        assert junit_gil(tmp_path / "junit.xml") == "disabled"


@pytest.mark.parametrize("venv", ["installed", "nodirective"])
def test_strict_mode_fails_exactly_when_cpython_enables_the_gil(venv, tmp_path):
    enables = truth(venv, tmp_path)
    code, out = run_msgpack_tests(venv, tmp_path, "--ftkit-strict-gil")
    text = words(out)
    if enables:
        assert code == 2, out  # the collection error stops the session (pytest's INTERRUPTED)
        assert re.search(rf"ftkit strict GIL: during collection of \S*{TEST_FILES[0]}, the GIL was enabled by "
                         rf"loading extension module '{MODULE}' .* which does not declare free-threading support",
                         text), out
        assert "ftkit strict GIL: GIL ENABLED" in text, out
    else:
        assert code == 0, out
        assert "ftkit strict GIL: GIL stayed disabled for the whole run" in text, out


@pytest.mark.parametrize("venv", ["installed", "nodirective"])
def test_xdist_summary_names_the_worker_where_cpython_enables_the_gil(venv, tmp_path):
    enables = truth(venv, tmp_path)
    code, out = run_msgpack_tests(venv, tmp_path, "-n", "2", f"--junitxml={tmp_path / 'junit.xml'}")
    text = words(out)
    assert code == 0, out
    if enables:  # issue 11 item 2: the controller imports nothing; "disabled" here was a false all-clear
        assert re.search(rf"on xdist worker gw[01], GIL ENABLED during collection of \S*test_\w+\.py by "
                         rf"extension module '{MODULE}'", text), out
        assert "stayed disabled" not in text, out
        assert junit_gil(tmp_path / "junit.xml") == "enabled"
    else:
        assert "ftkit: GIL stayed disabled for the whole run (the controller and 2 xdist worker(s))" in text, out
        assert junit_gil(tmp_path / "junit.xml") == "disabled"


@pytest.mark.parametrize("ignore", [False, True], ids=["its-own-check", "ignore-gil-enabled"])
@pytest.mark.parametrize("venv", ["installed", "nodirective"])
def test_beside_pytest_run_parallel_the_verdict_stays_right(venv, ignore, tmp_path):
    enables = truth(venv, tmp_path)
    code, out = run_msgpack_tests(venv, tmp_path, "-p", "run-parallel", "--parallel-threads=2",
                                  *(["--ignore-gil-enabled"] if ignore else []))
    text = words(out)
    assert re.search(r"Collected \d+ items to run in parallel", text), out  # pytest-run-parallel was active
    # pytest-run-parallel has a GIL check of its own: it stops the session (exit 1, no tests ran) unless
    # told --ignore-gil-enabled. ftkit's verdict must be the same either way.
    stopped = enables and not ignore
    assert code == (1 if stopped else 0), out
    assert ("GIL was dynamically re-enabled during test collection to load module 'msgpack._cmsgpack'"
            in text) == stopped, out
    if enables:
        assert re.search(rf"ftkit: GIL ENABLED during collection of \S*{TEST_FILES[0]} by extension module "
                         rf"'{MODULE}'", text), out
    else:
        assert "ftkit: GIL stayed disabled for the whole run" in text, out


# bitarray 3.12.3's own tests ship inside its package; test_bitfields.py is quick (~1 s) and imports both
# of its extension modules.
BITARRAY_MODULES = ("bitarray._bitarray", "bitarray._util")


@pytest.mark.parametrize("mode", [(), ("-n", "2")], ids=["passive", "xdist"])
def test_bitarray_own_tests_verdict_agrees_with_cpython(mode, tmp_path):
    site = site_packages("installed")
    enables = any(requires_gil(sys.executable, m, tmp_path, site)[0] for m in BITARRAY_MODULES)
    code, out = run_pytest(sys.executable, site, [site / "bitarray" / "test_bitfields.py"], tmp_path, *mode)
    text = words(out)
    assert code == 0, out
    assert ("ftkit: GIL stayed disabled for the whole run" in text) == (not enables), out
    assert ("(the controller and 2 xdist worker(s))" in text) == bool(mode and not enables), out
    assert any(f"'{m}'" in text for m in BITARRAY_MODULES) == enables, out

# greenlet 3.1.1's own tests, from its wheel; test_generator.py is left out: its leak check counts
# pytest-xdist's threads' objects as leaks (LeakCheckError under -n 2, with or without ftkit).
GREENLET_FILES = ("test_version.py", "test_weakref.py", "test_generator_nested.py")
GREENLET_MODULE = "greenlet._greenlet"


def run_greenlet_tests(tmp_path: Path, *args: str) -> tuple[int, str]:
    python = realworld.venv_python(GREENLET_TESTS)
    (tests,) = python.parent.parent.glob("lib/python*/site-packages/greenlet/tests")
    return run_pytest(python, REPO / "python", [tests / f for f in GREENLET_FILES], tmp_path,
                      "-p", "ftkit.pytest_plugin", *args)


@pytest.mark.parametrize("mode", [(), ("-n", "2")], ids=["passive", "xdist"])
def test_greenlet_own_tests_say_the_gil_was_enabled_as_cpython_does(mode, tmp_path):
    python = realworld.venv_python(GREENLET_TESTS)
    enables, imported = requires_gil(python, GREENLET_MODULE, tmp_path, REPO / "python")
    assert imported
    code, out = run_greenlet_tests(tmp_path, *mode)
    text = words(out)
    assert code == 0, out
    said = re.findall(rf"GIL ENABLED during collection of test_version\.py by extension module "
                      rf"'{GREENLET_MODULE}'", text)
    # Passive: one line from this process; under xdist, one per worker, each named.
    assert len(said) == (0 if not enables else 2 if mode else 1), out
    if mode and enables:
        assert "on xdist worker gw0, GIL ENABLED" in text and "on xdist worker gw1, GIL ENABLED" in text, out
    assert ("stayed disabled" in text) == (not enables), out


def test_greenlet_own_tests_fail_in_strict_mode_as_cpython_enables_the_gil(tmp_path):
    python = realworld.venv_python(GREENLET_TESTS)
    enables, _ = requires_gil(python, GREENLET_MODULE, tmp_path, REPO / "python")
    code, out = run_greenlet_tests(tmp_path, "--ftkit-strict-gil")
    text = words(out)
    assert code == (2 if enables else 0), out
    assert (f"the GIL was enabled by loading extension module '{GREENLET_MODULE}'" in text) == enables, out
