"""`ftkit gilcheck` against targets that misbehave (print or os._exit at exit, print megabytes),
wheels and folders it cannot read as expected, and runs killed part way (issue 12)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import zip_crafting
from harness.sources import multi_phase
from interrupting import gone, hang_marking, wait_for

FTKIT = [sys.executable, "-m", "ftkit", "gilcheck"]


def gilcheck(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def core(compile_extension, ft_python) -> Path:
    """A module that declares free-threading support: every correct run judges it gil-off."""
    return compile_extension(multi_phase("_core", "not_used"), "_core", ft_python)


# What the package's __init__ does besides `from . import _core`.
MISBEHAVIOUR = {
    "prints-at-exit": "import atexit\natexit.register(lambda: print('{\"bye\": 1}\\n' * 100000))\n",
    "os-exit-at-exit": "import atexit, os\natexit.register(os._exit, 3)\n",
    "prints-megabytes": "import sys\nsys.stdout.write('{\"x\": 1}' * (1 << 20))\n"
                        "sys.stderr.write('e' * (8 << 20))\n",
    "closes-stdout": "import os, sys\nsys.stdout.close()\nos.close(1)\nos.close(2)\n",
}


@pytest.mark.parametrize("kind", list(MISBEHAVIOUR))
def test_a_package_that_misbehaves_around_its_import_gets_the_right_verdict(tmp_path, core, ft_python, kind):
    pkg = tmp_path / "noisy"
    pkg.mkdir()
    shutil.copy(core, pkg)
    (pkg / "__init__.py").write_text(MISBEHAVIOUR[kind] + "from . import _core\n")
    proc = gilcheck(str(tmp_path), "--python", ft_python, "--format", "json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    statuses = {m["module"]: [o["status"] for o in m["outcomes"]] for m in report["data"]["modules"]}
    assert statuses == {"noisy._core": ["gil-off", "gil-off"], "noisy": ["gil-off", "gil-off"]}


def test_unreadable_wheel_members_are_one_line(tmp_path, core):
    spoiled = {
        "unknown-compression": lambda p: zip_crafting.set_method(p, "demo/b.py", 99),
        "corrupt-deflate": lambda p: zip_crafting.corrupt_deflate(p, "demo/b.py"),
        "utf8-flag-on-latin-1": lambda p: zip_crafting.rename_raw(p, "demo/b.py", b"demo/\xff.py", utf8_flag=True),
    }
    for kind, spoil in spoiled.items():
        wheel = zip_crafting.write(tmp_path / f"demo-1.0-{kind}-cp314-cp314t-linux_x86_64.whl",
                                   {f"demo/{core.name}": core.read_bytes(), "demo/b.py": b"y = 2\n" * 50})
        spoil(wheel)
        proc = gilcheck(str(wheel), "--no-bootstrap")
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, (kind, proc.stderr)
        assert proc.stderr.startswith(f"ftkit gilcheck: {wheel}: not a readable wheel ("), (kind, proc.stderr)


def test_cp437_member_names_are_imported(tmp_path, core, ft_python):
    # Flag bit 11 unset, so the name bytes are cp437: "caf\x82" is the package "café".
    wheel = zip_crafting.write(tmp_path / "demo-1.0-cp314-cp314t-linux_x86_64.whl",
                               {f"caf_/{core.name}": core.read_bytes(),
                                "caf_/__init__.py": b"from . import _core\n"},
                               zipfile.ZIP_STORED)
    zip_crafting.rename_raw(wheel, "caf_", b"caf\x82")
    proc = gilcheck(str(wheel), "--python", ft_python, "--format", "json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    modules = {m["module"]: [o["status"] for o in m["outcomes"]] for m in report["data"]["modules"]}
    assert modules == {"café._core": ["gil-off", "gil-off"], "café": ["gil-off", "gil-off"]}


@pytest.mark.parametrize("output", ["text", "json"])
def test_file_names_that_are_not_utf8_are_reported_not_a_traceback(tmp_path, core, ft_python, output):
    # The target folder's own name is not UTF-8 (so every path reported is not), and it holds a
    # folder and a module file whose names are not either (not identifiers: not importable, skipped).
    root = os.fsencode(tmp_path) + b"/t\xff"
    os.mkdir(root)
    os.mkdir(root + b"/bad\xffdir")
    shutil.copy(core, os.fsdecode(root + b"/bad\xffdir/" + os.fsencode(core.name)))
    shutil.copy(core, os.fsdecode(root + b"/m\xff" + os.fsencode(core.name[len("_core"):])))
    shutil.copy(core, os.fsdecode(root))
    proc = subprocess.run([*FTKIT, root, "--python", ft_python, "--format", output, "--color", "never"],
                          capture_output=True, timeout=300)
    stderr = proc.stderr.decode(errors="replace")
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    text = proc.stdout.decode("utf-8")  # strict: what ftkit writes is UTF-8, whatever the names were
    assert "t\\udcff/_core.cpython" in text  # the undecodable byte, escaped
    # CPython 3.14 itself cannot import an extension module from a folder whose name is not UTF-8
    # (UnicodeEncodeError: surrogates not allowed): that is the verdict, in both modes.
    if output == "json":
        (module,) = json.loads(text)["data"]["modules"]
        assert module["module"] == "_core" and [o["status"] for o in module["outcomes"]] == ["import-error"] * 2
        assert "UnicodeEncodeError" in module["outcomes"][0]["detail"]
    else:
        assert "ftkit gilcheck: FAILED (2 error; 1 of 1 modules judged)" in text


def hangs_after_marking(name: str, marker: Path) -> str:
    """A module whose exec step writes its pid to marker, then waits forever."""
    return multi_phase(name, "not_used").replace(
        "static int exec_module(PyObject *m) {",
        "#include <stdio.h>\n#include <unistd.h>\nstatic int exec_module(PyObject *m) {\n    "
        + hang_marking(marker))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_reports_what_it_judged_and_leaves_nothing_behind(tmp_path, compile_extension,
                                                                             ft_python, sig):
    # One wheel: a silent module (a finding) imported first, then one that hangs until killed.
    marker = tmp_path / "hanging.pid"
    silent = compile_extension(multi_phase("a_silent", None), "a_silent", ft_python)
    hangs = compile_extension(hangs_after_marking("z_hangs", marker), "z_hangs", ft_python)
    wheel = zip_crafting.write(tmp_path / "demo-1.0-cp314-cp314t-linux_x86_64.whl",
                               {silent.name: silent.read_bytes(), hangs.name: hangs.read_bytes()})
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen([*FTKIT, str(wheel), "--python", ft_python, "--jobs", "1", "--timeout", "600",
                             "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"TMPDIR": str(temp)})
    pid = wait_for(marker, proc)
    assert [p.name[:len("ftkit-gilcheck-")] for p in temp.iterdir()] == ["ftkit-gilcheck-"] * 2
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("ftkit gilcheck: interrupted: the report is partial (1 of 2 modules judged; "
                             "interrupted)"), stderr
    report = json.loads(stdout)
    assert report["data"]["interrupted"] is True
    assert [m["module"] for m in report["data"]["modules"]] == ["a_silent"]
    findings = [(f["rule"], f["subject"]["name"]) for f in report["findings"]]
    assert findings == [("gilcheck/gil-enabled", "a_silent")]
    assert list(temp.iterdir()) == [], "the unpacked wheel and the work folder must be removed"
    assert gone(pid), "the hanging import must be killed, not left running"


def test_an_interrupted_run_without_findings_exits_2(tmp_path, compile_extension, ft_python):
    marker = tmp_path / "hanging.pid"
    shutil.copy(compile_extension(hangs_after_marking("hangs", marker), "hangs", ft_python), tmp_path)
    proc = subprocess.Popen([*FTKIT, str(tmp_path), "--python", ft_python, "--timeout", "600", "--color", "never"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(marker, proc)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "Traceback" not in stderr, stderr
    assert "ftkit gilcheck: INTERRUPTED (no findings; 0 of 1 modules judged; interrupted)" in stdout
    assert stderr.startswith("ftkit gilcheck: interrupted: the report is partial"), stderr
