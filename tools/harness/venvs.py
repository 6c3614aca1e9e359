"""Virtual environments of the manifest's interpreters (harness.manifest.VENVS), in the cache's venvs/.

Tests call python(), which never creates or installs; `make prepare` calls create(). A venv with
checkout=True also holds ftkit pip-installed from this checkout; it lives in a folder named by a
hash of the sources that go into the package, so a changed checkout (or another worktree sharing
the cache) gets its own build instead of a stale one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .interpreters import interpreter
from .manifest import VENVS, Venv
from .prepared import NotPrepared

REPO = Path(__file__).resolve().parents[2]
# Everything the package is built from: pyproject.toml's wheel.packages and CMake's sources.
PACKAGE_SOURCES = ("CMakeLists.txt", "pyproject.toml", "src", "include", "python", "cython")


def checkout_digest() -> str:
    """Hash of the package's sources in this checkout, tracked or not (git's ignore rules apply)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                            *PACKAGE_SOURCES], cwd=REPO, capture_output=True, check=True).stdout
    h = hashlib.sha256()
    for name in sorted(set(files.split(b"\0")) - {b""}):
        path = REPO / name.decode()
        if path.is_file():  # a tracked file deleted in the worktree is simply absent
            h.update(name + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _dir(venv: Venv) -> Path:
    return cache_root() / "venvs" / (f"{venv.name}-{checkout_digest()}" if venv.checkout else venv.name)


def _ready(venv: Venv) -> Path:
    # The stamp names the requirements: changing them in the manifest makes the venv stale.
    return _dir(venv) / ".ftkit-ready"


def _is_ready(venv: Venv) -> bool:
    stamp = _ready(venv)
    return stamp.is_file() and stamp.read_text() == "\n".join(venv.requirements)


def describe(venv: Venv) -> str:
    """What prepare says it makes: "venv gil-pytest-3.14 (3.14: pytest>=8)"."""
    installs = [*venv.requirements, *(["ftkit from this checkout"] if venv.checkout else [])]
    return f"venv {venv.name} ({venv.python}: {' '.join(installs)})"


def python(venv: Venv) -> Path:
    """The prepared venv's python; NotPrepared if it is missing or stale."""
    if venv not in VENVS:
        raise NotPrepared(f"venv {venv.name}", listed=False)
    if not _is_ready(venv):
        raise NotPrepared(f"venv {venv.name} ({_dir(venv)})")
    return _dir(venv) / "bin" / "python"


def missing() -> list[Venv]:
    return [v for v in VENVS if not _is_ready(v)]


def create(venv: Venv) -> Path:
    """The venv's python, created with its requirements (and ftkit from this checkout) unless it is ready."""
    if not _is_ready(venv):
        exe = _dir(venv) / "bin" / "python"
        subprocess.run([interpreter(venv.python), "-m", "venv", "--clear", str(_dir(venv))], check=True)
        # A checkout build uses pyproject's persistent build/{wheel_tag} folder: a rebuild is incremental.
        subprocess.run([exe, "-m", "pip", "install", "-q", "--disable-pip-version-check", *venv.requirements,
                        *([str(REPO)] if venv.checkout else [])], check=True, env={**os.environ, **dict(venv.env)})
        _ready(venv).write_text("\n".join(venv.requirements))
    return _dir(venv) / "bin" / "python"
