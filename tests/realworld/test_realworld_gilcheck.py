"""`ftkit gilcheck` on real PyPI projects, installed, editable, from a source checkout and as wheels.

Every verdict is held to CPython's own word for the same module (gil_truth.py, measured here by
importing through the real interpreter); the projects are built once by `make prepare`
(harness/realworld.py). Issue 11 items 5 (editable installs, source checkouts) and 13 (each module
judged on its own).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from gil_truth import compare

from harness import corpus, realworld
from harness.manifest import CORPUS, REALWORLD_SKBUILD, REALWORLD_VENVS

pytestmark = pytest.mark.slow  # real projects: a few seconds each, prepared by `make prepare`
VENVS = {v.name: v for v in REALWORLD_VENVS}


def gilcheck(*targets: str, python: Path, cwd: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "ftkit", "gilcheck", *targets, "--python", str(python),
                           "--format", "json"], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def assert_matches_truth(report: dict, python: Path, cwd: Path, pythonpath: Path | None = None) -> None:
    rows = compare(report, python, cwd, pythonpath)
    for row in rows:
        print("verdict vs truth:", *row)  # the suite's table, shown with -s
    wrong = [r for r in rows if not r[-1]]
    assert not wrong, f"ftkit's status disagrees with CPython's (module, kind, status, requires GIL): {wrong}"


# (venv, targets, extension modules gilcheck must find there). The layouts are what the issue names:
# a pip-installed wheel of each kind, msgpack built without its Cython directive, editable installs of
# the four common backends, and greenlet 3.1.1's cp313t wheel, which truly re-enables the GIL.
LAYOUTS = {
    "installed": (["msgpack", "bitarray", "rpds-py", "contourpy"],
                  {"msgpack._cmsgpack", "bitarray._bitarray", "bitarray._util", "rpds.rpds",
                   "contourpy._contourpy"}),
    "nodirective": (["msgpack"], {"msgpack._cmsgpack"}),
    # meson-python (contourpy), setuptools PEP 660 finder (msgpack), setuptools .pth path (bitarray,
    # editable_mode=compat), scikit-build-core (its redirecting finder). Before: exit 2, "no extension
    # modules or packages found in this distribution" for the meson-python one.
    "editable": (["contourpy", "msgpack", "bitarray", REALWORLD_SKBUILD],
                 {"contourpy._contourpy", "msgpack._cmsgpack", "bitarray._bitarray", "bitarray._util",
                  f"{REALWORLD_SKBUILD}._core"}),
    "greenlet": (["greenlet"], {"greenlet._greenlet"}),
    # Before: eight of its nine modules "GIL ON via matplotlib._c_internal_utils" (issue 11 item 13).
    "matplotlib": (["matplotlib"], {"matplotlib._c_internal_utils", "matplotlib._path", "matplotlib.ft2font"}),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_gilcheck_on_a_layout_agrees_with_cpython(layout, tmp_path):
    python = realworld.venv_python(VENVS[layout])
    targets, expected = LAYOUTS[layout]
    report = gilcheck(*targets, python=python, cwd=tmp_path)
    found = {m["module"] for m in report["data"]["modules"] if m["kind"] == "extension"}
    assert expected <= found
    assert_matches_truth(report, python, tmp_path)


def test_editable_modules_are_found_where_the_backend_keeps_them(tmp_path):
    python = realworld.venv_python(VENVS["editable"])
    report = gilcheck("contourpy", "bitarray", python=python, cwd=tmp_path)
    paths = {m["module"]: m["path"] for m in report["data"]["modules"]}
    src = realworld.root() / "src"
    # meson-python builds into the project's build/ folder; setuptools' compat mode in place.
    assert paths["contourpy._contourpy"].startswith(str(src / "contourpy-editable" / "build"))
    assert paths["bitarray._bitarray"].startswith(str(src / "bitarray-editable" / "bitarray"))


def test_source_checkout_checks_the_installed_package_and_says_so(tmp_path):
    # `ftkit gilcheck msgpack` run in msgpack's checkout: ./msgpack (its unbuilt sources) used to be
    # scanned instead of the installed package, exit 2 "no extension modules or packages found".
    checkout = realworld.source_dir(realworld.CHECKOUT)
    assert (checkout / "msgpack" / "_cmsgpack.pyx").is_file()
    python = realworld.venv_python(VENVS["installed"])
    report = gilcheck("msgpack", python=python, cwd=checkout)
    paths = {m["module"]: m["path"] for m in report["data"]["modules"]}
    assert "site-packages" in paths["msgpack._cmsgpack"]
    notes = [f for f in report["findings"] if f["rule"] == "gilcheck/checked-installed"]
    assert len(notes) == 1 and "installed distribution was checked" in " ".join(notes[0]["message"].split())
    assert notes[0]["fix"] == "write ./msgpack to check the folder instead"
    # Measured outside the checkout: `python -c "import msgpack"` there imports the unbuilt ./msgpack.
    assert_matches_truth(report, python, tmp_path)
    # The folder itself, named as a path, is still the folder: unbuilt, so nothing to import.
    proc = subprocess.run([sys.executable, "-m", "ftkit", "gilcheck", "./msgpack", "--python", str(python)],
                          cwd=checkout, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "no extension modules or packages found" in proc.stderr


# Wheels of the generators the issue names, from PyPI: PyO3 (rpds-py), pybind11 (contourpy),
# nanobind (gemmi). Imported by the installed venv's python, which has numpy for contourpy.
WHEELS = {w.project: w for w in CORPUS if w.project in ("rpds-py", "contourpy", "gemmi")}


@pytest.mark.parametrize("project", sorted(WHEELS))
def test_gilcheck_on_a_real_wheel_agrees_with_cpython(project, tmp_path):
    wheel = corpus.path(WHEELS[project], "linux")
    python = realworld.venv_python(VENVS["installed"])
    report = gilcheck(str(wheel), python=python, cwd=tmp_path)
    assert any(m["kind"] == "extension" for m in report["data"]["modules"])
    unpacked = tmp_path / "wheel"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(unpacked)
    assert_matches_truth(report, python, tmp_path, pythonpath=unpacked)
