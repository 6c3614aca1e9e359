"""`ftkit audit --verify-import` where loading goes wrong: a module that hangs, one that prints
megabytes, a wheel that cannot be unpacked, an interpreter that is not one, a bad --timeout."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile

import pytest

import zip_crafting
from conftest import interpreter
from harness.sources import single_phase
from interrupting import gone, hang_marking, wait_for


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
    (["--timeout", "inf"], "ftkit audit: --timeout: a timeout must be a positive number of seconds"),
    (["--timeout", "-1"], "ftkit audit: --timeout: a timeout must be a positive number of seconds"),
], ids=["not-an-interpreter", "nan-timeout", "zero-timeout", "inf-timeout", "negative-timeout"])
def test_bad_verify_options_exit_2_with_one_line(troublesome, args, message):
    proc = audit(str(troublesome), "--verify-import", *args)
    assert proc.returncode == 2 and proc.stderr.startswith(message) and len(proc.stderr.splitlines()) == 1, \
        proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_a_gil_interpreter_is_refused_for_verification(compile_extension, tmp_path):
    # A module built for the GIL 3.14 that declares support: loading it there "turns the GIL on"
    # (it is always on), which used to be reported as a [proven] disagreement.
    gil = interpreter("3.14")
    shutil.copy(compile_extension(single_phase("declares", "not_used"), "declares", gil), tmp_path)
    proc = audit(str(tmp_path), "--verify-import", "--python", gil, "--format", "json")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"ftkit audit: --verify-import: {gil} is CPython 3.14."), proc.stderr
    assert "with the GIL: audit --verify-import needs a free-threaded build" in proc.stderr
    # The library entry point refuses it too (the pytest plugin and tests call it directly).
    from ftkit.audit import audit as run_audit
    from ftkit.interpreters.resolve import InterpreterError

    with pytest.raises(InterpreterError, match="with the GIL"):
        run_audit([str(tmp_path)], verify_with=gil)


def test_unreadable_wheel_members_are_a_finding(tmp_path, troublesome):
    (so,) = troublesome.glob("floods_in_init*.so")
    for kind, spoil in {"unknown-compression": lambda p: zip_crafting.set_method(p, "demo/b.py", 99),
                        "corrupt-deflate": lambda p: zip_crafting.corrupt_deflate(p, "demo/b.py")}.items():
        wheel = zip_crafting.write(tmp_path / f"demo-1.0-{kind}-cp314-cp314t-linux_x86_64.whl",
                                   {so.name: so.read_bytes(), "demo/b.py": b"y = 2\n" * 50})
        spoil(wheel)
        proc = audit(str(wheel), "--verify-import", "--python", sys.executable, "--format", "json")
        assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), (kind, proc.stderr)
        (failed,) = findings_by_module(proc).values()
        assert failed["rule"] == "audit/verify-import-failed", (kind, failed)
        assert "not unpacked" in failed["message"] and "not a readable wheel" in failed["message"], (kind, failed)


def test_cp437_member_names_are_verified(tmp_path, compile_extension, ft_python):
    # Flag bit 11 unset: "caf\x82" is cp437 for "café", the folder the module is unpacked into.
    so = compile_extension(single_phase("declares", "not_used"), "declares", ft_python)
    wheel = zip_crafting.write(tmp_path / "demo-1.0-cp314-cp314t-linux_x86_64.whl",
                               {f"caf_/{so.name}": so.read_bytes(), "caf_/__init__.py": b""})
    zip_crafting.rename_raw(wheel, "caf_", b"caf\x82")
    proc = audit(str(wheel), "--verify-import", "--python", sys.executable, "--format", "json")
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    (found,) = findings_by_module(proc).values()
    assert found["rule"] == "audit/verify-import", found
    assert found["evidence"]["gil_enabled_after_load"] is False


def test_file_names_that_are_not_utf8_are_one_line_each(tmp_path, compile_extension, ft_python):
    so = compile_extension(single_phase("declares", "not_used"), "declares", ft_python)
    root = os.fsencode(tmp_path)
    os.mkdir(root + b"/d\xff")
    shutil.copy(so, os.fsdecode(root + b"/d\xff/" + os.fsencode(so.name)))
    (tmp_path / "ok").mkdir()
    shutil.copy(so, tmp_path / "ok")
    proc = subprocess.run([sys.executable, "-m", "ftkit", "audit", str(tmp_path), "--verify-import", "--python",
                           sys.executable, "--format", "json"], capture_output=True, timeout=300)
    stderr = proc.stderr.decode("utf-8")  # strict: the byte is escaped, never written raw
    assert proc.returncode == 2 and "Traceback" not in stderr, stderr
    assert stderr == (f"ftkit audit: cannot read {tmp_path}/d\\udcff/{so.name}: its name is not UTF-8 (shown with "
                      "\\udcXX escapes for the bytes that are not), which the reader needs\n")
    # The module whose name is UTF-8 is still audited and verified.
    (found,) = findings_by_module(subprocess.CompletedProcess([], 2, proc.stdout.decode("utf-8"))).values()
    assert found["rule"] == "audit/verify-import" and found["subject"]["path"] == str(tmp_path / "ok" / so.name)


@pytest.mark.parametrize("sig, said", [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated")],
                         ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_verification_removes_its_temporary_folder(tmp_path, compile_extension, ft_python, sig,
                                                                   said):
    marker = tmp_path / "hanging.pid"
    so = compile_extension(init_runs("hangs_marked", hang_marking(marker)), "hangs_marked", ft_python)
    wheel = zip_crafting.write(tmp_path / "demo-1.0-cp314-cp314t-linux_x86_64.whl", {so.name: so.read_bytes()})
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "ftkit", "audit", str(wheel), "--verify-import", "--python",
                             sys.executable, "--timeout", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ | {"TMPDIR": str(temp)})
    pid = wait_for(marker, proc)
    assert [p.name[:len("ftkit-verify-")] for p in temp.iterdir()] == ["ftkit-verify-"]
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and stderr == f"ftkit: {said}\n", stderr
    assert list(temp.iterdir()) == [], "the unpacked wheel must be removed"
    assert gone(pid), "the hanging load must be killed"
