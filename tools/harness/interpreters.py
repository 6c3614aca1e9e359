"""The suite's interpreters (harness.manifest.INTERPRETERS): where each comes from, found or made.

GIL builds come from pyenv when it has them; everything else comes
from ftkit's bootstrap cache. Tests call interpreter(), which never builds; `make prepare` calls
prepare(). 3.10 and 3.12 have no pinned source tarball (ftkit/interpreters/sources.py), so
without pyenv they cannot be had and are left out of matrix(), which names what it ran.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from ftkit.interpreters import bootstrap, resolve, sources
from ftkit.interpreters.cache import Variant, interpreter_path, is_built

from .manifest import INTERPRETERS
from .prepared import NotPrepared


def pyenv_python(minor: str) -> Path | None:
    """The newest pyenv CPython `minor` (GIL build), e.g. ~/.pyenv/versions/3.12.1/bin/python3.12."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = []
    for d in root.glob(f"{minor}.*"):
        m = re.fullmatch(re.escape(minor) + r"\.(\d+)", d.name)  # skips 3.13.0t, 3.12-dev, ...
        exe = d / "bin" / f"python{minor}"
        if m and exe.is_file():
            found.append((int(m.group(1)), exe))
    return max(found)[1] if found else None


def _from_pyenv(name: str) -> Path | None:
    variant = Variant.parse(name)
    if variant.free_threaded:
        return None
    return pyenv_python(name)


def obtainable(name: str) -> bool:
    """Whether `make prepare` can provide `name` on this machine (pyenv, the cache, or a tarball)."""
    variant = Variant.parse(name)
    return bool(_from_pyenv(name)) or is_built(variant) or bool(sources.candidates(variant.minor))


def _obtainable() -> list[str]:
    return [name for name in INTERPRETERS if obtainable(name)]


def matrix() -> list[str]:
    """Every manifest interpreter this machine can have, for tests run under each of them; not a
    sanitizer build (3.14t-tsan), which only the --tsan tests ask for by name."""
    return [name for name in _obtainable() if not Variant.parse(name).sanitizer]


def interpreter(name: str) -> str:
    """Path of the prepared interpreter `name` ("3.12", "3.14t"); NotPrepared if it is missing."""
    if name not in INTERPRETERS:
        raise NotPrepared(f"interpreter {name}", listed=False)
    found = _from_pyenv(name)
    if found:
        return str(found)
    variant = Variant.parse(name)
    if not _usable(variant):
        raise NotPrepared(f"interpreter {name} ({interpreter_path(variant)})")
    return str(interpreter_path(variant))


def _usable(variant: Variant) -> bool:
    return _usable_at(variant, str(interpreter_path(variant)))


@functools.cache
def _usable_at(variant: Variant, path: str) -> bool:
    # Asked once per process and cache location (a probe is a child process; tests call
    # interpreter() often, some with FTKIT_CACHE pointing elsewhere).
    return bootstrap.is_usable(variant)


def missing() -> list[str]:
    """What `make prepare` must (re)build: asks each cached interpreter to answer, as the product's
    bootstrap does, so a damaged build beside an intact marker is rebuilt, not trusted."""
    return [name for name in _obtainable() if not _from_pyenv(name) and not _usable(Variant.parse(name))]


def prepare(name: str) -> str:
    """Path of `name`, built by the (announced) bootstrap first if neither pyenv nor the cache has it."""
    found = _from_pyenv(name)
    return str(found or resolve.build(Variant.parse(name), announce=lambda line: print(line, flush=True)))
