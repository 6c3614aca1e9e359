"""ftkit's own sdist and manylinux wheel, as `make wheel` makes them (tools/make_wheel.py), in the cache.

One folder per checkout digest (harness.venvs.checkout_digest): a changed checkout gets a new build
(incremental: the unpacked sdist and its build folder stay in build/from-sdist of the worktree).
Tests call path(), which never builds; `make prepare` calls build().
"""

from __future__ import annotations

import sys
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from .manifest import OWN_WHEEL
from .prepared import NotPrepared
from .venvs import REPO, checkout_digest


def _dir() -> Path:
    return cache_root() / "own-wheels" / checkout_digest()


def _found() -> tuple[Path, Path] | None:
    d = _dir()
    sdists, wheels = list(d.glob("ftkit-*.tar.gz")), list(d.glob("ftkit-*manylinux*.whl"))
    return (sdists[0], wheels[0]) if len(sdists) == 1 and len(wheels) == 1 else None


def path() -> tuple[Path, Path]:
    """(sdist, wheel) of this checkout; NotPrepared if `make prepare` has not built them."""
    found = _found()
    if found is None:
        raise NotPrepared(f"ftkit's own {OWN_WHEEL} sdist and wheel ({_dir()})")
    return found


def missing() -> bool:
    return _found() is None


def build() -> tuple[Path, Path]:
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import make_wheel  # the script behind `make wheel`
    finally:
        sys.path.pop(0)
    return make_wheel.build(_dir(), REPO / "build" / "from-sdist")
