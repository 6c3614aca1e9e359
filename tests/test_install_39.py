"""ftkit built from this checkout for a GIL CPython 3.9, its oldest supported Python (issue 13).

The build happens in `make prepare` (harness.manifest.FTKIT_39); here its venv runs audit, the
pytest plugin and the one-line refusals of the commands that need a free-threaded interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from conftest import REPO, interpreter
from harness import corpus, manifest, venvs
from harness.compile_ext import build_extension

# cffi 1.17.1's cp313 wheel: a real single-phase module that does not declare free-threading.
CFFI = next(w for w in manifest.CORPUS if (w.project, w.version) == ("cffi", "1.17.1"))


@pytest.fixture(scope="module")
def py39() -> Path:
    return venvs.python(manifest.FTKIT_39)


def run(python: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """python args in a clean environment: nothing of the suite's own 3.14t run leaks in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHON_GIL", "FTKIT_STRICT_GIL", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def audit_json(python: Path | str, target: Path) -> dict:
    proc = run(Path(python), "-m", "ftkit", "audit", "--format", "json", str(target))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_the_installed_package_and_its_extension_are_the_39_build(py39):
    proc = run(py39, "-c", "import json, sys, ftkit, ftkit._core as c; print(json.dumps(["
               "list(sys.version_info[:2]), ftkit.__file__, c.__file__, c.build_info()]))")
    assert proc.returncode == 0, proc.stderr
    version, package, extension, info = json.loads(proc.stdout)
    assert version == [3, 9]
    site_packages = py39.parent.parent / "lib" / "python3.9" / "site-packages" / "ftkit"
    assert Path(package).parent == site_packages  # installed, not the checkout's python/
    assert Path(extension) == site_packages / "_core.cpython-39-x86_64-linux-gnu.so"
    assert info["free_threaded"] is False and info["python_headers"].startswith("3.9."), info
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert run(py39, "-m", "ftkit", "--version").stdout == f"ftkit {version}\n"


def test_every_module_compiles_and_the_package_modules_import_on_39(py39):
    # children/ holds scripts run by path inside the target interpreter: compiled, not imported.
    script = (
        "import compileall, importlib, pkgutil, ftkit\n"
        "assert compileall.compile_dir(ftkit.__path__[0], quiet=2)\n"
        "for m in pkgutil.walk_packages(ftkit.__path__, 'ftkit.'):\n"
        "    if not m.name.startswith('ftkit.children.') and m.name != 'ftkit.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "        print(m.name)\n"
    )
    proc = run(py39, "-c", script)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {"ftkit.cli", "ftkit.audit", "ftkit.commands.audit", "ftkit.pytest_plugin", "ftkit.strict",
            "ftkit.stress.pytest_support"} <= set(proc.stdout.split())


def test_audit_on_39_reads_a_real_wheel_as_the_free_threaded_build_does(py39):
    wheel = corpus.path(CFFI, "linux")
    on_39 = audit_json(py39, wheel)
    rules = {(f["rule"], f["subject"]["name"]) for f in on_39["findings"]}
    assert ("audit/gil-undeclared", "_cffi_backend") in rules
    assert ("audit/c-api-hazard", "PyDict_GetItem") in rules
    # The same C++ core compiled for 3.9 and for 3.14t must judge the same bytes the same way.
    assert on_39["findings"] == audit_json(sys.executable, wheel)["findings"]


def test_audit_on_39_reads_a_module_compiled_for_39(py39):
    source = (REPO / "examples" / "gil_declaration" / "forgets.c").read_text()
    built = build_extension(source, "forgets", interpreter("3.9"))
    assert built.name == "forgets.cpython-39-x86_64-linux-gnu.so"
    findings = audit_json(py39, built)["findings"]
    undeclared = [f for f in findings if f["rule"] == "audit/gil-undeclared"]
    assert [f["subject"]["name"] for f in undeclared] == ["forgets"], findings
    assert undeclared[0]["evidence"]["init"] == "multi-phase", undeclared[0]


def test_the_pytest_plugin_loads_on_39_and_says_it_has_nothing_to_check(py39, tmp_path):
    (tmp_path / "test_a.py").write_text("def test_a():\n    import json\n    assert json.loads('1') == 1\n")
    plain = run(py39, "-m", "pytest", "-p", "ftkit", "-p", "no:cacheprovider", cwd=tmp_path)
    assert plain.returncode == 0 and "1 passed" in plain.stdout, plain.stdout + plain.stderr
    strict = run(py39, "-m", "pytest", "-p", "ftkit", "-p", "no:cacheprovider", "--ftkit-strict-gil", cwd=tmp_path)
    assert strict.returncode == 0 and "1 passed" in strict.stdout, strict.stdout + strict.stderr
    assert f"ftkit strict GIL: {py39} is a GIL build: nothing to check" in strict.stdout
    required = run(py39, "-m", "pytest", "-p", "ftkit", "-p", "no:cacheprovider", "--ftkit-require-free-threaded",
                   cwd=tmp_path)
    assert required.returncode == pytest.ExitCode.USAGE_ERROR, required.stdout + required.stderr
    assert "Traceback" not in required.stdout + required.stderr


@pytest.mark.parametrize("command", [
    ("gilcheck", "json"),
    ("stress", str(REPO / "examples" / "matrix" / "scenario.py")),
], ids=["gilcheck", "stress"])
def test_commands_that_need_free_threading_refuse_the_39_interpreter_in_one_line(py39, command):
    name, target = command
    proc = run(py39, "-m", "ftkit", name, "--python", str(py39), target)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert proc.stderr == (f"ftkit {name}: {py39} is CPython 3.9.18 with the GIL: {name} needs a free-threaded "
                           "build (3.13t or later); pass --python one, e.g. the path `ftkit bootstrap "
                           "--print-path 3.14t` prints\n")


def test_the_installed_metadata_carries_the_license_classifiers_and_pypi_page(py39):
    script = (
        "import json\n"
        "from importlib.metadata import distribution\n"
        "dist = distribution('ftkit')\n"
        "keys = ('License-Expression', 'License-File', 'Classifier', 'Description-Content-Type')\n"
        "found = {k: dist.metadata.get_all(k) for k in keys}\n"
        "found.update(body=dist.metadata.get_payload(), license=dist.read_text('licenses/LICENSE'))\n"
        "print(json.dumps(found))\n"
    )
    proc = run(py39, "-c", script)
    assert proc.returncode == 0, proc.stderr
    meta = json.loads(proc.stdout)
    assert meta["License-Expression"] == ["MIT"] and meta["License-File"] == ["LICENSE"]
    assert meta["license"] == (REPO / "LICENSE").read_text()
    assert meta["Description-Content-Type"] == ["text/markdown"]
    assert meta["body"].strip() == (REPO / "docs" / "pypi.md").read_text().strip()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["Classifier"] == pyproject["classifiers"]
    assert {"Framework :: Pytest", "Programming Language :: Python :: 3.9",
            "Programming Language :: Python :: 3.15"} <= set(meta["Classifier"])
