"""Which interpreters the lock helpers are tested under, and where each one comes from.

GIL builds 3.9-3.13 are taken from pyenv when it has them (a machine set up for C++ work does;
it saves a 4-5 minute build each), except BUILT_BY_BOOTSTRAP, which always comes from ftkit's
bootstrap so that path (Debian's .tar.gz tarball, configure without --disable-gil) is exercised
on every run. Everything else comes from the bootstrap, which builds what the cache lacks.
3.10 and 3.12 have no pinned source tarball (ftkit/interpreters/sources.py), so without pyenv
they cannot be had and are left out of the matrix, which names what it ran.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ftkit.interpreters import bootstrap, sources
from ftkit.interpreters.cache import Variant, is_built

MATRIX = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t", "3.15t")
BUILT_BY_BOOTSTRAP = "3.11"


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


def obtainable(name: str) -> bool:
    variant = Variant.parse(name)
    if not variant.free_threaded and name != BUILT_BY_BOOTSTRAP and pyenv_python(name):
        return True
    return is_built(variant) or bool(sources.candidates(variant.minor))


def interpreter(name: str) -> str:
    """Path of the interpreter for `name` ("3.12", "3.14t"), building it if needed."""
    variant = Variant.parse(name)
    if not variant.free_threaded and name != BUILT_BY_BOOTSTRAP:
        found = pyenv_python(name)
        if found:
            return str(found)
    return str(bootstrap.ensure(variant))


def matrix() -> list[str]:
    return [name for name in MATRIX if obtainable(name)]
