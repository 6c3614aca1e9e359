"""tools/prepare.py (`make prepare`): lists what is missing, and is quick and idle when all is prepared."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

PREPARE = [sys.executable, str(REPO / "tools" / "prepare.py")]


def test_check_on_an_empty_cache_lists_every_entry_and_makes_nothing(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FTKIT_CACHE": str(tmp_path / "cache"), "PYENV_ROOT": str(tmp_path / "none")}
    proc = subprocess.run([*PREPARE, "--check"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert "prepare: missing interpreter 3.14t" in lines and "prepare: missing interpreter 3.11" in lines
    assert "prepare: missing wheel greenlet==3.1.1 (cp313t, linux)" in lines
    assert "prepare: missing PyO3 0.29.3 module po0293_gil" in lines
    assert "prepare: missing venv gil-pytest-3.14 (3.14: pytest>=8)" in lines
    assert "prepare: missing Porcupine v1.3.1 (Go module proxy)" in lines
    assert lines[-1] == f"prepare: {len(lines) - 1} missing"
    assert not (tmp_path / "cache").exists()


def test_warm_run_has_nothing_to_do():
    # `make test` runs `make prepare` first, so here everything exists and a run would only look;
    # --check asks the same question (missing()) and never builds, whatever the cache holds.
    proc = subprocess.run([*PREPARE, "--check"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "prepare: everything the tests need is prepared\n"



def test_a_damaged_cached_interpreter_is_listed_for_rebuilding(tmp_path, monkeypatch):
    # The marker and the file are there but the file is 0 bytes: `make prepare` must rebuild it,
    # as `ftkit bootstrap` does (bootstrap.is_usable asks the interpreter to answer).
    from ftkit.interpreters.cache import MARKER, Variant, interpreter_path, prefix_dir

    monkeypatch.setenv("FTKIT_CACHE", str(tmp_path / "cache"))
    exe = interpreter_path(Variant.parse("3.14t"))
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"")
    exe.chmod(0o755)
    (prefix_dir(Variant.parse("3.14t")) / MARKER).write_text("")
    env = {"PATH": "/usr/bin:/bin", "FTKIT_CACHE": str(tmp_path / "cache"), "PYENV_ROOT": str(tmp_path / "none")}
    proc = subprocess.run([*PREPARE, "--check"], capture_output=True, text=True, env=env, timeout=120)
    assert "prepare: missing interpreter 3.14t" in proc.stdout.splitlines(), proc.stdout + proc.stderr
