"""Virtual environments of the manifest's interpreters (harness.manifest.VENVS), in the cache's venvs/.

Tests call python(), which never creates or installs; `make prepare` calls create().
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .interpreters import interpreter
from .manifest import VENVS, Venv
from .prepared import NotPrepared


def _dir(venv: Venv) -> Path:
    return cache_root() / "venvs" / venv.name


def _ready(venv: Venv) -> Path:
    # The stamp names the requirements: changing them in the manifest makes the venv stale.
    return _dir(venv) / ".ftkit-ready"


def _is_ready(venv: Venv) -> bool:
    stamp = _ready(venv)
    return stamp.is_file() and stamp.read_text() == "\n".join(venv.requirements)


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
    """The venv's python, created with its requirements unless it is ready."""
    if not _is_ready(venv):
        exe = _dir(venv) / "bin" / "python"
        subprocess.run([interpreter(venv.python), "-m", "venv", "--clear", str(_dir(venv))], check=True)
        subprocess.run([exe, "-m", "pip", "install", "-q", "--disable-pip-version-check", *venv.requirements],
                       check=True)
        _ready(venv).write_text("\n".join(venv.requirements))
    return _dir(venv) / "bin" / "python"
