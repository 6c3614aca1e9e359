"""`ftkit check` on the bundled examples and on real PyPI wheels: the verdict and classifier match
what importing them measures (the expectation is measured here, never typed in)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, interpreter
from ftkit.check.verdict import GIL_REQUIRED, READY, UNTESTED, classifier
from harness import corpus, manifest
from harness.examples import matrix_example

PREFIX = "Programming Language :: Python :: Free Threading :: "


def ftkit_check(cwd: Path, *args: str, env: dict | None = None, fmt: str = "json") -> tuple[int, dict, str]:
    """`ftkit check --format json ARGS` in cwd: (exit code, report, stderr); the report is {} for other formats."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "FTKIT_STRICT_GIL", "PYTEST_ADDOPTS")}
    proc = subprocess.run([sys.executable, "-m", "ftkit", "check", "--format", fmt, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env={**base, **(env or {})})
    try:
        report = json.loads(proc.stdout) if proc.stdout and fmt == "json" else {}
    except ValueError:
        pytest.fail(f"not JSON: {proc.stdout[:2000]}\n{proc.stderr}")
    return proc.returncode, report, proc.stderr


def gil_after_import(python: str, folder: Path, module: str) -> bool:
    """The measurement: does importing `module` from `folder` in a fresh `python` turn the GIL on?"""
    proc = subprocess.run([python, "-W", "ignore", "-c", f"import sys; sys.path.insert(0, {str(folder)!r}); "
                           f"import {module}; print(sys._is_gil_enabled())"],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "FTKIT_STRICT_GIL")})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == "True"


def expected_tier(verdict: str) -> str:
    return classifier({GIL_REQUIRED: 1, UNTESTED: 2, READY: 3}[verdict])


@pytest.fixture
def gil_examples(tmp_path, compile_extension, ft_python) -> Path:
    """examples/gil_declaration's two modules compiled for 3.14t into one folder, as tools/demo.sh does."""
    folder = tmp_path / "modules"
    folder.mkdir()
    for name in ("declares", "forgets"):
        built = compile_extension((REPO / "examples" / "gil_declaration" / f"{name}.c").read_text(), name,
                                  ft_python)
        shutil.copy(built, folder / built.name)
    return folder


def test_the_gil_declaration_examples_get_the_verdict_importing_them_measures(gil_examples, ft_python, tmp_path):
    measured = {m: gil_after_import(ft_python, gil_examples, m) for m in ("declares", "forgets")}
    assert measured == {"declares": False, "forgets": True}  # the examples still show what the demo says
    code, report, err = ftkit_check(tmp_path, str(gil_examples))
    verdict = GIL_REQUIRED if any(measured.values()) else UNTESTED
    assert (code, report["data"]["verdict"]) == (1, verdict), err
    assert report["data"]["classifier"]["supported"] == expected_tier(verdict)
    assert report["data"]["classifier"]["claimed"] == "none"
    culprits = {f["subject"]["name"] for f in report["findings"] if f["rule"] == "gilcheck/gil-enabled"}
    assert culprits == {m for m, on in measured.items() if on}
    jsonschema.validate(report, json.loads((REPO / "docs" / "report.schema.json").read_text()))
    assert report["data"]["evidence_level"] == "audit + imports"  # the level the badge shows

    # The shared formats: the HTML page and the badge carry the same verdict.
    code, _, err = ftkit_check(tmp_path, str(gil_examples), "--output", "out/check.html", "--badge", "out/b.svg",
                               fmt="html")
    page, badge = (tmp_path / "out" / "check.html").read_text(), (tmp_path / "out" / "b.svg").read_text()
    assert code == 1 and f'data-verdict="{verdict}"' in page and f"{verdict} (audit + imports)" in badge, err

    # The declaring module alone: the GIL stays off, nothing exercised it: declared but untested, exit 0.
    alone = tmp_path / "declares_only"
    alone.mkdir()
    shutil.copy(next(gil_examples.glob("declares.*")), alone)
    code, report, err = ftkit_check(tmp_path, str(alone))
    assert not gil_after_import(ft_python, alone, "declares")
    assert (code, report["data"]["verdict"]) == (0, UNTESTED), err
    assert report["data"]["classifier"]["supported"] == expected_tier(UNTESTED)
    assert any("not tested" in line for line in report["data"]["evidence"])


def test_the_locked_matrix_with_its_declared_scenario_is_ready(ft_python, tmp_path):
    scenario = matrix_example("locked", ft_python, tmp_path / "matrix")
    built = next((tmp_path / "matrix").glob("matrix_locked.*.so"))
    assert not gil_after_import(ft_python, built.parent, "matrix_locked")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ftkit]\npaths = ['matrix']\n"
        "scenarios = [{path = 'matrix/scenario.py', trials = 200, threads = 4, "
        "env = {MATRIX_VARIANT = 'locked', PYTHONPATH = 'matrix'}}]\n")
    code, report, err = ftkit_check(tmp_path)
    assert (code, report["data"]["verdict"]) == (0, READY), err + str(report["data"].get("evidence"))
    assert report["data"]["stress"][0]["trials"] == 200
    assert report["data"]["classifier"]["supported"] == expected_tier(READY)
    assert scenario.is_file()


def unpacked(wheel: Path, into: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        z.extractall(into)
    return into


@pytest.mark.slow
def test_a_real_release_whose_ft_wheel_keeps_the_gil_off_is_declared_but_untested(ft_python, tmp_path):
    # bitarray 3.12.3 as PyPI ships it: a GIL cp312 wheel and a cp314t wheel, both claiming 2 - Beta.
    dist = tmp_path / "dist"
    dist.mkdir()
    for w in (manifest.BITARRAY_GIL, manifest.BITARRAY_FT):
        shutil.copy(corpus.path(w, "linux"), dist)
    ft_wheel = next(dist.glob("*cp314t*.whl"))
    on = gil_after_import(ft_python, unpacked(ft_wheel, tmp_path / "site"), "bitarray")
    verdict = GIL_REQUIRED if on else UNTESTED
    code, report, err = ftkit_check(tmp_path)  # default path: dist/
    assert report["data"]["verdict"] == verdict, err
    assert code == (1 if on else 0), err
    assert report["data"]["classifier"]["supported"] == expected_tier(verdict)
    assert report["data"]["classifier"]["claimed"] == PREFIX + "2 - Beta"
    rules = {f["rule"] for f in report["findings"]}
    assert ("check/classifier-overclaims" if on else "check/classifier") in rules
    # the GIL wheel is audited but not imported on 3.14t, and says why
    assert any("cp312" in line and "not imported" in line for line in report["data"]["evidence"])


@pytest.mark.slow
def test_a_real_wheel_that_reenables_the_gil_is_gil_required(tmp_path):
    # greenlet 3.1.1's cp313t wheel: _greenlet does not declare Py_mod_gil. Imported by 3.13t.
    python = interpreter("3.13t")
    wheel = corpus.path(manifest.GREENLET, "linux")
    on = gil_after_import(python, unpacked(wheel, tmp_path / "site"), "greenlet")
    verdict = GIL_REQUIRED if on else UNTESTED
    code, report, err = ftkit_check(tmp_path, "--python", python, str(wheel))
    assert (code, report["data"]["verdict"]) == (1 if on else 0, verdict), err
    assert report["data"]["classifier"]["supported"] == expected_tier(verdict)
    # greenlet.tests imports psutil, absent here: not judged, and not "broken"
    assert any("psutil" in line for line in report["data"]["evidence"])
