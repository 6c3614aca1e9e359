"""Which files `ftkit audit` reads (ftkit/audit/inputs.py), on what build tools really write:
`python -m build`'s dist/ (sdist beside wheels), a meson build folder, a source checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ftkit.audit.inputs import BUILD_DIR, EXCLUDED, SDIST, collect
from harness import corpus
from harness.manifest import BITARRAY_FT, BITARRAY_GIL

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # meson, ninja's cython: tools/requirements-dev.txt installs them here


def audit_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftkit", "audit", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_dist_folder_as_python_build_writes_it(tmp_path):
    # ftkit's own sdist, made by the PEP 517 hook `python -m build --sdist` calls, beside wheels.
    dist = tmp_path / "dist"
    dist.mkdir()
    subprocess.run([sys.executable, "-c", f"import scikit_build_core.build as b; b.build_sdist({str(dist)!r})"],
                   cwd=REPO, check=True, capture_output=True, timeout=300)
    (sdist,) = dist.glob("*.tar.gz")
    for w in (BITARRAY_GIL, BITARRAY_FT):
        shutil.copy(corpus.path(w, "linux"), dist)
    files = sorted(str(p) for p in dist.iterdir())  # what the shell makes of dist/*
    proc = audit_cli(*files, "--format", "json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    report = json.loads(proc.stdout)
    assert report["data"]["unreadable"] == []
    assert report["data"]["skipped"] == [{"path": str(sdist), "reason": SDIST}]
    (note,) = [f for f in report["findings"] if f["rule"] == "audit/skipped-input"]
    assert note["severity"] == "info" and note["subject"]["name"] == str(sdist)
    text = audit_cli(*files, "--color", "never")
    assert text.returncode == 0 and "sdist" in text.stdout
    assert text.stdout.rstrip().splitlines()[-1].startswith("ftkit audit: ok")
    # The directory itself, as `ftkit audit dist/`, says the same.
    as_dir = json.loads(audit_cli(str(dist), "--format", "json").stdout)
    assert as_dir["data"]["skipped"] == report["data"]["skipped"]


def test_sdist_alone_is_nothing_to_audit(tmp_path):
    sdist = tmp_path / "pkg-1.0.tar.gz"
    shutil.make_archive(str(tmp_path / "pkg-1.0"), "gztar", REPO / "examples")
    proc = audit_cli(str(sdist))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "sdist" in proc.stderr and "Traceback" not in proc.stderr


def test_meson_build_folder_skips_meson_private(tmp_path):
    # meson compiles sanity_check_for_cython.so in meson-private/ when a project uses Cython; it is
    # meson's, built for whatever python meson found, and was reported as the project's module.
    src = tmp_path / "proj"
    src.mkdir()
    (src / "meson.build").write_text("project('mcy', 'c', 'cython')\n"
                                     "py = import('python').find_installation(pure: false)\n"
                                     "py.extension_module('fast', 'fast.pyx', install: true)\n")
    (src / "fast.pyx").write_text("# cython: freethreading_compatible = True\ndef f():\n    return 1\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for cmd in ([str(BIN / "meson"), "setup", "bld"], ["ninja", "-C", "bld"]):
        subprocess.run(cmd, cwd=src, env=env, check=True, capture_output=True, timeout=600)
    assert (src / "bld" / "meson-private" / "sanity_check_for_cython.so").is_file()
    proc = audit_cli("bld", "--format", "json", cwd=src)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    report = json.loads(proc.stdout)
    audited = [m["path"] for f in report["data"]["files"] for m in f["modules"]]
    assert [Path(p).name.split(".")[0] for p in audited] == ["fast"]
    skipped = {Path(s["path"]).name for s in report["data"]["skipped"] if s["reason"] == BUILD_DIR}
    assert "meson-private" in skipped
    assert any(f["rule"] == "audit/skipped-input" and "meson-private" in f["message"] for f in report["findings"])


def test_source_checkout_skips_venv_git_and_caches():
    # This repository after `make install`: .venv (a PEP 405 venv) holds every installed package's
    # modules, build/ holds the real _core module.
    found = collect([str(REPO)])
    skipped = {Path(p).relative_to(REPO).as_posix() for p, r in found.skipped if r == BUILD_DIR}
    assert ".venv" in skipped  # (.git too in a clone; in a git worktree it is a file)
    assert any(Path(f).name.startswith("_core.") for f in found.files)
    assert not [f for f in found.files if "/.venv/" in f or "/__pycache__/" in f]


def test_exclude_is_repeatable_and_matches_names_and_relative_paths(tmp_path):
    d = tmp_path / "wheelhouse"
    (d / "old").mkdir(parents=True)
    gil, ft = corpus.path(BITARRAY_GIL, "linux"), corpus.path(BITARRAY_FT, "linux")
    shutil.copy(gil, d / "old")
    shutil.copy(ft, d)
    shutil.copy(ft, d / "old")
    proc = audit_cli(str(d), "--exclude", "old/*cp314t*", "--exclude", "*cp312*", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [f["path"] for f in report["data"]["files"]] == [str(d / ft.name)]
    assert sorted(s["path"] for s in report["data"]["skipped"] if s["reason"] == EXCLUDED) == sorted(
        [str(d / "old" / gil.name), str(d / "old" / ft.name)])
    # Without --exclude, all three are read.
    assert len(json.loads(audit_cli(str(d), "--format", "json").stdout)["data"]["files"]) == 3
