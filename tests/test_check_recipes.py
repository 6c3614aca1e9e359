"""The CI recipes of docs/ci.md, run as written: cibuildwheel's test-command and the composite action.yml,
each against ftkit's own wheel (`make wheel`, prepared) installed in a fresh free-threaded venv; the
pre-commit hook run by pre-commit from its environment installed from this repository (prepared)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO
from ftkit.check.config import tomllib
from harness import own_wheels, precommit

CI_DOC = REPO / "docs" / "ci.md"


def fenced(doc: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", doc.read_text(), re.S)


@pytest.fixture(scope="module")
def venv(tmp_path_factory, ft_python) -> Path:
    """A fresh 3.14t venv holding only ftkit's own wheel (rich is only needed for colour). It borrows the
    base interpreter's pip (which holds nothing else) instead of installing its own: ensurepip took
    over a minute on a loaded machine."""
    _, wheel = own_wheels.path()
    d = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([ft_python, "-m", "venv", "--without-pip", "--system-site-packages", str(d)], check=True)
    subprocess.run([d / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    str(wheel)], check=True)
    return d


def venv_env(venv: Path) -> dict:
    """What cibuildwheel and a CI job give the command: the venv first on PATH, none of our suite's switches."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHON_GIL", "FTKIT_STRICT_GIL", "PYTEST_ADDOPTS", "PYTHONPATH")}
    return {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "VIRTUAL_ENV": str(venv)}


def gil_after_importing_core(venv: Path) -> bool:
    """The measurement the verdict must agree with: importing ftkit._core in the venv."""
    out = subprocess.run([venv / "bin" / "python", "-c", "import sys, ftkit._core; print(sys._is_gil_enabled())"],
                         capture_output=True, text=True, env=venv_env(venv), check=True).stdout
    return out.strip() == "True"


def cibuildwheel_table() -> dict:
    (toml,) = [b for b in fenced(CI_DOC, "toml") if "[tool.cibuildwheel]" in b]
    return tomllib.loads(toml)["tool"]["cibuildwheel"]


def test_the_cibuildwheel_recipe_is_valid_for_cibuildwheel():
    from importlib.resources import files

    schema = json.loads(files("cibuildwheel").joinpath("resources/cibuildwheel.schema.json").read_text())
    jsonschema.validate(cibuildwheel_table(), schema)


@pytest.mark.parametrize("which", ["test-command", "override cp3??t-*"])
def test_the_cibuildwheel_test_command_runs_as_cibuildwheel_runs_it(venv, tmp_path, which):
    table = cibuildwheel_table()
    command = table["test-command"] if which == "test-command" else table["overrides"][0]["test-command"]
    _, wheel = own_wheels.path()
    # cibuildwheel: prepare_command(test_command, project=..., package=..., wheel=...), then
    # `sh -c` in an empty temporary folder with the test venv first on PATH (platforms/linux.py).
    prepared = command.format(project=REPO, package=REPO, wheel=wheel)
    proc = subprocess.run(["sh", "-c", prepared], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=venv_env(venv))
    on = gil_after_importing_core(venv)
    verdict = "GIL required" if on else "declared but untested"
    assert proc.returncode == (1 if on else 0), proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    supports = "1 - Unstable" if on else "2 - Beta"
    assert f"verdict: {verdict}; supports '{supports}', claims '2 - Beta'" in last, last
    if which != "test-command":  # the free-threaded override imports the installed distribution
        assert "GIL off" in proc.stdout and "ftkit._core" in proc.stdout


def test_the_composite_action_runs_its_steps_as_a_shell_would(venv, tmp_path):
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    _, wheel = own_wheels.path()
    (tmp_path / "dist").mkdir()
    shutil.copy(wheel, tmp_path / "dist")
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs.update(python=str(venv / "bin" / "python"), install=f"--no-deps {wheel}")
    outputs = []
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        script = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], step["run"])
        # GitHub runs a `shell: bash` step as `bash --noprofile --norc -eo pipefail {0}`.
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600, env=venv_env(venv))
        outputs.append(proc)
        assert proc.returncode == 0, f"{step['name']}: {proc.stdout}{proc.stderr}"
    assert not gil_after_importing_core(venv)
    assert "verdict: declared but untested" in outputs[-1].stdout.strip().splitlines()[-1]


def test_the_pre_commit_hook_installed_by_pre_commit_checks_tool_ftkit(tmp_path, compile_extension, ft_python):
    rev = precommit.rev()  # HEAD, installed by `pre-commit install-hooks` in make prepare
    project = tmp_path / "project"
    (project / "modules").mkdir(parents=True)
    built = compile_extension((REPO / "examples" / "gil_declaration" / "declares.c").read_text(), "declares",
                              ft_python)
    shutil.copy(built, project / "modules")
    (project / ".pre-commit-config.yaml").write_text(precommit.config(rev))
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    pre_commit = [str(Path(sys.executable).parent / "pre-commit"), "run", precommit.HOOK, "--all-files"]

    def commit_hook(pyproject: str) -> subprocess.CompletedProcess:
        (project / "pyproject.toml").write_text(pyproject)
        subprocess.run(["git", "add", "-A"], cwd=project, check=True)
        return subprocess.run(pre_commit, cwd=project, capture_output=True, text=True, timeout=600,
                              env=precommit.environ())

    ok = commit_hook("[project]\nname = 'p'\nversion = '1'\n[tool.ftkit]\npaths = ['modules']\n")
    assert ok.returncode == 0 and "Passed" in ok.stdout, ok.stdout + ok.stderr
    typo = commit_hook("[project]\nname = 'p'\nversion = '1'\n[tool.ftkit]\npathz = ['modules']\n")
    assert typo.returncode == 1 and "Failed" in typo.stdout, typo.stdout + typo.stderr
    assert "ftkit check: " in typo.stdout and "unknown key 'pathz'" in typo.stdout
