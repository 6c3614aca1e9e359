"""`ftkit audit --verify-import` where loading goes wrong: a module that hangs, one that prints
megabytes, a wheel that cannot be unpacked, an interpreter that is not one, a bad --timeout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from harness.sources import single_phase


def audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftkit", "audit", *args], capture_output=True, text=True,
                          timeout=300)


def init_runs(name: str, statement: str) -> str:
    """A single-phase module declaring support whose init runs statement first (creating it runs init)."""
    return single_phase(name, "not_used").replace(
        "PyMODINIT_FUNC PyInit_", "#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n"
        "PyMODINIT_FUNC PyInit_").replace("    PyObject *m = PyModule_Create", f"    {statement}\n"
                                          "    PyObject *m = PyModule_Create")


@pytest.fixture(scope="module")
def troublesome(compile_extension, ft_python, tmp_path_factory):
    d = tmp_path_factory.mktemp("verify")
    flood = ("{ static char line[1 << 20]; memset(line, 'x', sizeof line); "
             "for (int i = 0; i < 64; i++) { fwrite(line, 1, sizeof line, stdout); "
             "fwrite(line, 1, sizeof line, stderr); } fflush(stdout); }")
    for name, statement in (("hangs_in_init", "for (;;) pause();"), ("floods_in_init", flood)):
        shutil.copy(compile_extension(init_runs(name, statement), name, ft_python), d)
    return d


def findings_by_module(proc: subprocess.CompletedProcess) -> dict:
    report = json.loads(proc.stdout)
    return {f["subject"]["name"]: f for f in report["findings"] if f["rule"].startswith("audit/verify-import")}


@pytest.mark.slow
def test_a_hanging_module_is_a_finding_not_a_traceback(troublesome):
    proc = audit(str(troublesome), "--verify-import", "--python", sys.executable, "--timeout", "3",
                 "--format", "json")
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    found = findings_by_module(proc)
    hung = found["hangs_in_init"]
    assert hung["rule"] == "audit/verify-import-failed"
    assert hung["message"] == "could not be loaded to verify: no answer within 3s (killed)"
    # 128 MB on stdout and stderr while loading: still judged, from the result channel.
    flood = found["floods_in_init"]
    assert flood["rule"] == "audit/verify-import" and flood["evidence"]["gil_enabled_after_load"] is False


def test_a_wheel_that_cannot_be_unpacked_is_a_finding_per_module(tmp_path, troublesome):
    (so,) = troublesome.glob("floods_in_init*.so")
    wheel = tmp_path / "evil-1.0-cp314-cp314t-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.write(so, so.name)
        z.writestr("../escaped.txt", "x")
    proc = audit(str(wheel), "--verify-import", "--python", sys.executable, "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    (failed,) = findings_by_module(proc).values()
    assert failed["rule"] == "audit/verify-import-failed"
    assert "not unpacked" in failed["message"] and "points outside the wheel" in failed["message"]
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.parametrize("args, message", [
    (["--python", "/bin/true"], "ftkit audit: --verify-import: /bin/true: not a Python interpreter"),
    (["--timeout", "nan"], "ftkit audit: --timeout: a timeout must be a positive number of seconds"),
    (["--timeout", "0"], "ftkit audit: --timeout: a timeout must be a positive number of seconds"),
], ids=["not-an-interpreter", "nan-timeout", "zero-timeout"])
def test_bad_verify_options_exit_2_with_one_line(troublesome, args, message):
    proc = audit(str(troublesome), "--verify-import", *args)
    assert proc.returncode == 2 and proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.splitlines()) == 1
