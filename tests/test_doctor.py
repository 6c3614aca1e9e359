"""`ftkit doctor`: the pure diagnosis on given interpreters, and the real command on this machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ftkit.commands.doctor import diagnose
from ftkit.interpreters.discover import Interpreter, probe
from ftkit.report import Severity

FTKIT = str(Path(sys.executable).parent / "ftkit")


def interp(variant: str, gil: bool | None = None, source="ftkit cache") -> Interpreter:
    ft = variant.endswith("t")
    return Interpreter(f"/x/python{variant}", source, variant.rstrip("t") + ".0", "cpython", ft,
                       (not ft) if gil is None else gil)


def test_missing_default_interpreter_is_a_warning_with_the_command_that_provides_it():
    report = diagnose([interp("3.13t"), interp("3.14")], {})
    missing = {f.subject.name: f for f in report.findings if f.rule == "doctor/interpreter-missing"}
    assert set(missing) == {"3.14t", "3.15t"}
    assert missing["3.14t"].severity is Severity.WARNING and missing["3.14t"].fix == "ftkit bootstrap 3.14t"
    assert missing["3.15t"].severity is Severity.INFO and missing["3.15t"].fix == "ftkit bootstrap 3.15t"
    assert report.failed


def test_all_present_is_clean():
    report = diagnose([interp(v) for v in ("3.13t", "3.14t", "3.15t", "3.14")], {})
    assert report.findings == [] and not report.failed


def test_python_gil_1_is_a_warning_and_0_is_information():
    one = diagnose([interp("3.14t")], {"PYTHON_GIL": "1"})
    (f,) = [f for f in one.findings if f.rule == "doctor/python-gil-set"]
    assert f.severity is Severity.WARNING and "forces the GIL on" in f.message
    zero = diagnose([interp("3.14t")], {"PYTHON_GIL": "0"})
    (f,) = [f for f in zero.findings if f.rule == "doctor/python-gil-set"]
    assert f.severity is Severity.INFO


def test_broken_interpreter_is_listed_not_fatal(tmp_path):
    broken = tmp_path / "python3"
    broken.write_text("#!/bin/sh\necho 'Fatal Python error: no encodings' >&2\nexit 1\n")
    broken.chmod(0o755)
    found = probe(str(broken), "PATH")
    assert found.error == "exit 1: Fatal Python error: no encodings"
    report = diagnose([found], {})
    assert any(f.rule == "doctor/interpreter-broken" for f in report.findings)


def doctor_json(env_extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"} | env_extra
    proc = subprocess.run([FTKIT, "doctor", "--format", "json"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_real_doctor_reports_the_built_314t_free_threaded_with_gil_off(ft_python):
    data = doctor_json({})
    (entry,) = [i for i in data["data"]["interpreters"] if i["path"] == ft_python]
    assert entry["variant"] == "3.14t" and entry["free_threaded"] is True
    assert entry["gil_enabled"] is False and entry["source"].startswith("ftkit cache")


def test_real_doctor_says_when_python_gil_1_turns_it_on(ft_python):
    data = doctor_json({"PYTHON_GIL": "1"})
    (entry,) = [i for i in data["data"]["interpreters"] if i["path"] == ft_python]
    assert entry["free_threaded"] is True and entry["gil_enabled"] is True
    assert data["data"]["PYTHON_GIL"] == "1"
    assert any(f["rule"] == "doctor/python-gil-set" and f["severity"] == "warning" for f in data["findings"])
    assert data["failed"] is True


def test_piped_text_has_no_colour_codes(ft_python):
    proc = subprocess.run([FTKIT, "doctor"], capture_output=True, text=True, timeout=120)
    assert "\x1b[" not in proc.stdout
    assert ft_python in proc.stdout and "ftkit doctor: " in proc.stdout.splitlines()[-1]


def test_colour_can_be_forced():
    proc = subprocess.run([FTKIT, "doctor", "--color", "always"], capture_output=True, text=True, timeout=120)
    assert "\x1b[" in proc.stdout


def test_doctor_names_the_interpreter_each_command_would_use():
    from dataclasses import replace

    venv = replace(interp("3.14t", source="running"), path="/venv/bin/python", ftkit="/venv/site/ftkit")
    report = diagnose([interp("3.14t"), venv], {})
    assert report.data["chosen"]["gilcheck"] == {"path": "/venv/bin/python", "source": "running"}
    assert report.data["chosen"]["stress"] == {"path": "/venv/bin/python", "source": "running"}
    only_cache = diagnose([interp("3.14t")], {})
    assert only_cache.data["chosen"]["gilcheck"]["source"] == "ftkit cache"
    assert only_cache.data["chosen"]["stress"] is None  # the cache's interpreter has no ftkit inside


def test_a_cached_build_that_does_not_run_is_a_warning_with_the_rebuild_command(tmp_path):
    # The cache's layout under a temporary FTKIT_CACHE: the marker is intact, the interpreter is 0 bytes.
    prefix = tmp_path / "cache" / "cpython" / "3.14t"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python3.14t").touch(mode=0o755)
    (prefix / "ftkit-build.json").write_text("{}")
    data = doctor_json({"FTKIT_CACHE": str(tmp_path / "cache")})
    (broken,) = [f for f in data["findings"] if f["rule"] == "doctor/interpreter-broken"
                 and f["subject"]["name"] == str(prefix / "bin" / "python3.14t")]
    assert broken["severity"] == "warning" and broken["fix"] == "ftkit bootstrap 3.14t", broken
    assert "cached build of CPython 3.14t does not run" in broken["message"]
    assert data["failed"] is True


def test_startup_code_that_prints_does_not_change_the_answer(ft_python, tmp_path):
    # sitecustomize (PYTHONPATH), usercustomize and a .pth file (the user site) print to stdout and
    # stderr, some of it shaped like the probe's answer: the answer travels on its own pipe.
    lie = 'print(\'{"version": "0.0.0", "implementation": "cpython", "free_threaded": false}\')'
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    # Not in a virtual environment: ftkit itself runs in .venv, and its own stdout is the report.
    (site_dir / "sitecustomize.py").write_text(
        f"import sys\nif sys.prefix == sys.base_prefix:\n    {lie}\n"
        "    print('sitecustomize says hello' * 10000, file=sys.stderr)\n"
        f"    open({str(tmp_path / 'ran-sitecustomize')!r}, 'w').close()\n")
    user_base = tmp_path / "userbase"
    user_site = Path(subprocess.run(
        [ft_python, "-c", "import site; print(site.getusersitepackages())"], capture_output=True, text=True,
        env=os.environ | {"PYTHONUSERBASE": str(user_base)}, check=True).stdout.strip())
    user_site.mkdir(parents=True)
    (user_site / "usercustomize.py").write_text(f"import sys\n{lie}\nprint('usercustomize', file=sys.stderr)\n")
    (user_site / "noisy.pth").write_text(f"import sys; {lie}; print('pth', file=sys.stderr)\n")
    proc = subprocess.run([FTKIT, "doctor", "--format", "json"], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
                          | {"PYTHONPATH": str(site_dir), "PYTHONUSERBASE": str(user_base)})
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert (tmp_path / "ran-sitecustomize").exists(), "the start-up code must really have run"
    (entry,) = [i for i in json.loads(proc.stdout)["data"]["interpreters"] if i["path"] == ft_python]
    assert entry["error"] is None and entry["version"].startswith("3.14.")
    assert entry["free_threaded"] is True and entry["gil_enabled"] is False
