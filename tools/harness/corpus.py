"""The manifest's wheels from PyPI (harness.manifest.WHEELS), in the cache's wheels/<platform>/.

Tests and benchmarks call path() and all_wheels(), which never download; `make prepare` calls
download(), which uses pip for any platform.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .manifest import CORPUS, WHEELS, Wheel
from .prepared import NotPrepared

PLATFORMS = {
    "linux": ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "macos": ["macosx_14_0_arm64", "macosx_11_0_arm64"],
    "windows": ["win_amd64"],
    # The second architecture of each, for the call decoders (their own folders: same file names).
    "macos-x86_64": ["macosx_14_0_x86_64", "macosx_11_0_x86_64", "macosx_10_15_x86_64", "macosx_10_13_x86_64"],
    "windows-arm64": ["win_arm64"],
}


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


def _check_pin(w: Wheel, found: Path) -> Path:
    if w.sha256 and hashlib.sha256(found.read_bytes()).hexdigest() != w.sha256:
        raise RuntimeError(f"{found} does not match its pinned sha256 {w.sha256}: delete it, "
                           "then run `make prepare`")
    return found


def path(w: Wheel, platform: str) -> Path:
    """The prepared wheel's path; NotPrepared if the cache lacks it."""
    if w not in WHEELS or platform not in w.platforms:
        raise NotPrepared(f"wheel {w.project}=={w.version} for {platform}", listed=False)
    found = find(w, platform)
    if not found:
        raise NotPrepared(f"wheel {w.project}=={w.version} ({w.abi}) for {platform} in {wheel_dir() / platform}")
    return _check_pin(w, found)


def all_wheels() -> list[tuple[Wheel, str, Path]]:
    """Every corpus wheel, for every platform it is listed for."""
    return [(w, p, path(w, p)) for w in CORPUS for p in w.platforms]


def missing() -> list[tuple[Wheel, str]]:
    return [(w, p) for w in WHEELS for p in w.platforms if not find(w, p)]


def download(w: Wheel, platform: str) -> Path:
    """The wheel's path, downloaded with pip (for any platform) unless the cache has it."""
    found = find(w, platform)
    if found:
        return _check_pin(w, found)
    d = wheel_dir() / platform
    d.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "--implementation", "cp", "--python-version", w.python, "--abi", w.abi,
           "-d", str(d), f"{w.project}=={w.version}"]
    for plat in w.platform_tags or PLATFORMS[platform]:
        cmd += ["--platform", plat]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PIP_NO_INPUT": "1"})
    found = find(w, platform)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"downloading {w.project}=={w.version} for {platform} failed:\n{proc.stderr}")
    return _check_pin(w, found)
