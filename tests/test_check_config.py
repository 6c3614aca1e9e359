"""[tool.ftkit] for `ftkit check`: what it sets, flags over it, and every bad input as one line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, interpreter
from ftkit.check.config import ConfigError, Ignore, load
from ftkit.report import Severity, Subject
from ftkit.rules import finding
from harness import manifest, venvs
from harness.compile_ext import build_extension
from test_check import ftkit_check
from test_install_39 import run


@pytest.fixture
def forgets(tmp_path, compile_extension, ft_python) -> Path:
    """A project folder with modules/: examples/gil_declaration's forgets (it re-enables the GIL) and declares."""
    (tmp_path / "modules").mkdir()
    for name in ("forgets", "declares"):
        built = compile_extension((REPO / "examples" / "gil_declaration" / f"{name}.c").read_text(), name,
                                  ft_python)
        shutil.copy(built, tmp_path / "modules" / built.name)
    return tmp_path


@pytest.mark.parametrize("toml, words", [
    ("[tool.ftkit]\npath = ['dist']\n", "unknown key 'path'"),
    ("[tool.ftkit]\npaths = 'dist'\n", "paths must be a list of strings"),
    ("[tool.ftkit]\n[[tool.ftkit.ignore]]\nrule = 'audit/gil-undeclared'\n", "every ignore needs a reason"),
    ("[tool.ftkit]\n[[tool.ftkit.ignore]]\nrule = 'audit/gil-undeclared'\nreason = '  '\n",
     "every ignore needs a reason"),
    ("[tool.ftkit]\n[[tool.ftkit.ignore]]\nrule = 'audit/no-such'\nreason = 'x'\n", "matches no rule id"),
    ("[tool.ftkit]\n[[tool.ftkit.ignore]]\nrule = 'audit/*'\nreason = 'x'\nwhy = 'y'\n", "unknown key 'why'"),
    ("[tool.ftkit]\nscenarios = [{path = 's.py', trials = 0}]\n", "trials must be at least 1"),
    ("[tool.ftkit]\nscenarios = [{trials = 3}]\n", "missing key 'path'"),
    ("[tool.ftkit]\nscenarios = [{path = 's.py', threads = true}]\n", "threads must be a int"),
    ("[tool.ftkit]\nbaseline = 3\n", "baseline must be a file name"),
    ("[tool.ftkit\npaths = []\n", "not valid TOML"),
    ("tool = 3\n[tool.ftkit]\n", "not valid TOML"),
])
def test_a_bad_tool_ftkit_table_is_one_line_and_exit_2(tmp_path, toml, words):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "dist").mkdir()
    code, report, err = ftkit_check(tmp_path, "--static")
    assert code == 2 and report == {}, err
    assert err.count("\n") == 1 and err.startswith("ftkit check: ") and words in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, words", [
    (("nope",), "nope: no such file or directory"),
    (("--config", "missing.toml"), "--config missing.toml: no such file"),
    (("--scenario", "nope.py", "--python", "/bin/false"), "/nope.py: no such file"),
    (("--baseline", "missing.json"), "no such file (write it with `ftkit check --write-baseline`)"),
    (("--timeout", "0"), "--timeout"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, args, words):
    (tmp_path / "dist").mkdir()
    code, report, err = ftkit_check(tmp_path, "--static", *args)
    assert code == 2 and report == {}, err
    assert err.count("\n") == 1 and words in err, err


def test_no_dist_folder_is_one_line_and_exit_2(tmp_path):
    code, _, err = ftkit_check(tmp_path, "--static")
    assert code == 2 and err == f"ftkit check: {tmp_path}/dist: no such file or directory\n"


def test_the_file_sets_paths_and_flags_override_it(forgets):
    (forgets / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['modules']\n")
    code, report, err = ftkit_check(forgets, "--static")
    assert code == 1 and report["data"]["verdict"] == "GIL required", err
    (forgets / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['elsewhere']\n")
    code, report, err = ftkit_check(forgets, "--static", "modules")  # the command line's path wins
    assert code == 1 and report["data"]["verdict"] == "GIL required", err
    (forgets / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['modules']\nexclude = ['forgets.*']\n")
    code, report, err = ftkit_check(forgets, "--static")
    assert code == 0 and report["data"]["verdict"] == "declared but untested", err
    code, report, err = ftkit_check(forgets, "--static", "--exclude", "nothing*")  # replaces the file's
    assert code == 1 and report["data"]["verdict"] == "GIL required", err


def test_an_ignore_with_its_reason_stops_failing_the_run_but_never_changes_the_verdict(forgets):
    (forgets / "pyproject.toml").write_text(
        "[tool.ftkit]\npaths = ['modules']\n"
        "[[tool.ftkit.ignore]]\nrule = 'audit/gil-undeclared'\npaths = ['forgets']\n"
        "reason = 'imported only by the single-threaded CLI'\n")
    code, report, err = ftkit_check(forgets, "--static")
    assert code == 0, err
    assert report["data"]["verdict"] == "GIL required"  # the evidence is what it is
    ignored = [f for f in report["findings"] if f["rule"] == "check/ignored"]
    assert len(ignored) == 1 and "imported only by the single-threaded CLI" in ignored[0]["message"]
    assert [s["rule"] for s in report["data"]["suppressed"]] == ["audit/gil-undeclared"]
    assert report["data"]["suppressed"][0]["by"] == "ignore"


def test_ignore_patterns_match_rules_by_glob_and_subjects_by_name_or_path():
    f = finding("audit/c-api-hazard", Subject("symbol", "PyDict_GetItem", path="d/x.whl!pkg/_m.cpython-314t.so"),
                "imports PyDict_GetItem")
    assert Ignore("audit/*", "r").matches(f)
    assert Ignore("audit/c-api-hazard", "r", ("pkg/_m*",)).matches(f)
    assert Ignore("audit/c-api-hazard", "r", ("PyDict_*",)).matches(f)
    assert not Ignore("audit/c-api-hazard", "r", ("other/*",)).matches(f)
    assert not Ignore("gilcheck/*", "r").matches(f)
    assert f.severity is Severity.REVIEW


def test_scenarios_take_a_path_or_a_table_and_the_project_classifiers_are_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'p'\nclassifiers = ['Programming Language :: Python :: Free Threading :: 3 - Stable']\n"
        "[tool.ftkit]\nscenarios = ['a.py', {path = 'b.py:S', trials = 9, env = {K = 'v'}}]\n")
    config = load(tmp_path / "pyproject.toml", Path("/elsewhere"))
    assert config.root == tmp_path
    assert [(s.path, s.trials, s.env) for s in config.scenarios] == [("a.py", 200, ()),
                                                                      ("b.py:S", 9, (("K", "v"),))]
    assert config.claimed_classifiers == ("Programming Language :: Python :: Free Threading :: 3 - Stable",)
    with pytest.raises(ConfigError):
        (tmp_path / "pyproject.toml").write_text("[tool.ftkit]\nscenarios = [{path = 'a.py', env = {K = 1}}]\n")
        load(tmp_path / "pyproject.toml", tmp_path)


def test_the_static_part_reads_tool_ftkit_on_a_gil_39_through_tomli(tmp_path):
    # ftkit built for GIL 3.9 (make prepare): tomllib is 3.11+, so [tool.ftkit] is read by tomli there.
    py39 = venvs.python(manifest.FTKIT_39)
    (tmp_path / "modules").mkdir()
    source = (REPO / "examples" / "gil_declaration" / "declares.c").read_text()
    shutil.copy(build_extension(source, "declares", interpreter("3.9")), tmp_path / "modules")
    (tmp_path / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['modules']\nfoo = 1\n")
    proc = run(py39, "-m", "ftkit", "check", "--static", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip().endswith("unknown key 'foo' (known: baseline, exclude, "
                                                                 "gilcheck, ignore, paths, pytest, scenarios)")
    (tmp_path / "pyproject.toml").write_text("[tool.ftkit]\npaths = ['modules']\n")
    proc = run(py39, "-m", "ftkit", "check", "--static", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert run(py39, "-c", "import tomli, ftkit.check.config as c; assert c.tomllib is tomli").returncode == 0
