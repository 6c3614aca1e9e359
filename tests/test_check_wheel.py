"""`make wheel` (tools/make_wheel.py): the sdist holds what the build needs, the wheel built from it is
manylinux-tagged, and ftkit's own audit of its own builds (free-threaded wheel, GIL 3.9) is clean."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from ftkit.report.finding import Severity
from harness import manifest, own_wheels, venvs
from test_install_39 import run


def failing_or_review(report: dict) -> list:
    return [f for f in report["findings"] if f["severity"] != Severity.INFO.value]


def audit(python, target: Path) -> tuple[int, dict]:
    proc = run(Path(python), "-m", "ftkit", "audit", "--format", "json", str(target))
    return proc.returncode, json.loads(proc.stdout)


def test_the_sdist_holds_every_file_the_build_reads():
    sdist, _ = own_wheels.path()
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    tracked = subprocess.run(["git", "ls-files", "--", *venvs.PACKAGE_SOURCES], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    assert {"pyproject.toml", "CMakeLists.txt", "LICENSE", "docs/pypi.md"} <= names
    assert [t for t in tracked if t not in names and (REPO / t).is_file()] == []


def test_the_wheel_built_from_the_sdist_is_manylinux_and_its_own_audit_is_clean():
    _, wheel = own_wheels.path()
    assert "-cp314t-manylinux_2_" in wheel.name and wheel.name.endswith("_x86_64.whl")
    with zipfile.ZipFile(wheel) as z:
        tags = [line.split(": ", 1)[1] for line in z.read("ftkit-0.1.0.dist-info/WHEEL").decode().splitlines()
                if line.startswith("Tag: ")]
        libs = [n for n in z.namelist() if ".libs/" in n]
    assert len(tags) == 1 and tags[0].startswith("cp314-cp314t-manylinux_2_"), tags
    assert libs == []  # libz, libstdc++ and glibc are in the manylinux policy: nothing vendored
    code, report = audit(sys.executable, wheel)
    assert code == 0 and failing_or_review(report) == [], failing_or_review(report)
    modules = report["data"]["files"][0]["modules"]
    assert [(m["module"], m["gil"]["verdict"]) for m in modules] == [("_core", "not-used")]
    supported = next(f for f in report["findings"] if f["rule"] == "audit/supported-classifier")
    assert supported["evidence"]["supported_tier"] == 2 and supported["evidence"]["claimed_tiers"] == [2]


def test_our_own_audit_of_our_gil_39_build_is_clean():
    # ftkit as `make prepare` installs it for GIL 3.9 (harness.manifest.FTKIT_39), audited there.
    py39 = venvs.python(manifest.FTKIT_39)
    installed = py39.parent.parent / "lib" / "python3.9" / "site-packages" / "ftkit"
    code, report = audit(py39, installed)
    assert code == 0 and failing_or_review(report) == [], failing_or_review(report)
    (module,) = [m for f in report["data"]["files"] for m in f["modules"]]
    assert module["path"].endswith("_core.cpython-39-x86_64-linux-gnu.so") and module["abi_tag"] == "cp39"


@pytest.mark.slow
def test_building_the_sdist_without_zlib_stops_at_cmake_naming_it(tmp_path):
    sdist, _ = own_wheels.path()
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path)
    (src,) = tmp_path.glob("ftkit-*")
    # CMake's switch that makes find_package(ZLIB) find nothing, as on a machine without zlib1g-dev.
    proc = subprocess.run(["cmake", "-S", str(src), "-B", str(tmp_path / "b"), "-G", "Ninja",
                           "-DFTKIT_BUILD_PYTHON=OFF", "-DFTKIT_BUILD_TESTS=OFF",
                           "-DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON"], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "ZLIB" in proc.stdout + proc.stderr
    ok = subprocess.run(["cmake", "-S", str(src), "-B", str(tmp_path / "c"), "-G", "Ninja",
                         "-DFTKIT_BUILD_PYTHON=OFF", "-DFTKIT_BUILD_TESTS=OFF"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
