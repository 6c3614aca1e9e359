"""The `ftkit` command: entry points, help, version and exit codes as a user meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ftkit

FTKIT = str(Path(sys.executable).parent / "ftkit")


def run(*args, env_extra=None):
    env = os.environ | (env_extra or {})
    return subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=120)


def test_console_script_and_module_report_the_same_version():
    assert run(FTKIT, "--version").stdout.strip() == f"ftkit {ftkit.__version__}"
    assert run(sys.executable, "-m", "ftkit", "--version").stdout.strip() == f"ftkit {ftkit.__version__}"


def test_help_lists_only_working_commands():
    out = " ".join(run(FTKIT, "--help").stdout.split())  # argparse re-wraps the description
    assert "doctor" in out and "bootstrap" in out
    assert "0 clean, 1 findings, 2 usage or environment error" in out


def test_no_command_or_unknown_option_is_a_usage_error():
    assert run(FTKIT).returncode == 2
    proc = run(FTKIT, "doctor", "--no-such-flag")
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-flag" in proc.stderr
    proc = run(FTKIT, "doctor", "--format", "yaml")
    assert proc.returncode == 2 and "invalid choice: 'yaml'" in proc.stderr


def test_output_into_a_missing_directory_creates_it(tmp_path):
    target = tmp_path / "no" / "such" / "dir.json"
    proc = run(FTKIT, "doctor", "--format", "json", "--output", str(target))
    assert proc.returncode in (0, 1), proc.stderr
    assert target.is_file() and target.read_text().startswith("{")


def test_output_that_cannot_be_written_is_an_environment_error(tmp_path):
    (tmp_path / "a-file").write_text("")
    proc = run(FTKIT, "doctor", "--output", str(tmp_path / "a-file" / "dir.json"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("ftkit doctor: ") and "Traceback" not in proc.stderr


def test_importing_ftkit_core_keeps_the_gil_off():
    # Our own extension declares Py_MOD_GIL_NOT_USED (nanobind FREE_THREADED): we practise what we sell.
    code = "import sys, ftkit._core as c; print(c.build_info()['free_threaded'], sys._is_gil_enabled())"
    proc = run(sys.executable, "-W", "error::RuntimeWarning", "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False"]
