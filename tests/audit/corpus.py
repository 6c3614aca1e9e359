"""The real-wheel corpus: pinned wheels from PyPI, downloaded once into the cache by test setup.

Chosen to cover every generator the audit detects, on the three platforms users ship:
numpy (C API + Cython), cffi (C API, single-phase with PyUnstable_Module_SetGIL), contourpy
(pybind11 3: slot array filled at run time), gemmi and pyopencl (nanobind, not FREE_THREADED:
they really re-enable the GIL), msgpack and pyyaml (Cython), rpds-py (PyO3). cffi 1.17.1 is
the release before cffi declared free-threading support (2.0): no cp313t/cp314t wheels exist,
so its cp313 wheel stands for "before".
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ftkit.interpreters.cache import cache_root

PLATFORMS = {
    "linux": ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "macos": ["macosx_14_0_arm64", "macosx_11_0_arm64"],
    "windows": ["win_amd64"],
}


@dataclass(frozen=True)
class Wheel:
    project: str
    version: str
    platforms: tuple[str, ...] = ("linux", "macos", "windows")
    python: str = "3.14"
    abi: str = "cp314t"


CORPUS = (
    Wheel("numpy", "2.5.5"),
    Wheel("cffi", "2.1.1"),
    Wheel("cffi", "1.17.1", ("linux",), python="3.13", abi="cp313"),
    Wheel("contourpy", "1.4.0"),
    Wheel("gemmi", "0.7.5"),
    Wheel("pyopencl", "2026.1.4", ("linux",)),
    Wheel("msgpack", "1.2.4"),
    Wheel("pyyaml", "6.0.4"),
    Wheel("rpds-py", "2026.9.1"),
)


def wheel_dir() -> Path:
    return cache_root() / "wheels"


def _normalise(project: str) -> str:
    return project.replace("-", "_").lower()


def find(w: Wheel, platform: str) -> Path | None:
    d = wheel_dir() / platform
    for f in sorted(d.glob(f"{_normalise(w.project)}-{w.version}-*.whl")) if d.is_dir() else []:
        if f"-{w.abi}-" in f.name:
            return f
    return None


def fetch(w: Wheel, platform: str) -> Path:
    """The wheel's path, downloaded with pip (for any platform) on first use."""
    found = find(w, platform)
    if found:
        return found
    d = wheel_dir() / platform
    d.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "--implementation", "cp", "--python-version", w.python, "--abi", w.abi,
           "-d", str(d), f"{w.project}=={w.version}"]
    for plat in PLATFORMS[platform]:
        cmd += ["--platform", plat]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PIP_NO_INPUT": "1"})
    found = find(w, platform)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"downloading {w.project}=={w.version} for {platform} failed:\n{proc.stderr}")
    return found


def all_wheels() -> list[tuple[Wheel, str, Path]]:
    return [(w, p, fetch(w, p)) for w in CORPUS for p in w.platforms]
