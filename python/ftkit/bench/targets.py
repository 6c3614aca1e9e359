"""The three interpreter configurations a bench compares, from the one resolver (interpreters/resolve.py)."""

from __future__ import annotations

import os

from ..interpreters import resolve
from .model import Target


def choose(python: str | None, python_gil: str | None, no_bootstrap: bool) -> tuple[list[Target], list[str]]:
    """3.14t (free-threaded), the same with PYTHON_GIL=1, and the GIL build of the same version;
    InterpreterError (exit 2) when one cannot be had. Also notes for the report (versions differ)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}  # judged as the "ft" workers run
    ft = resolve.resolve("bench", python, env=env, no_bootstrap=no_bootstrap)
    gil = resolve.gil_twin(ft, python_gil, no_bootstrap)
    notes = []
    if gil.version != ft.version:
        notes.append(f"the GIL build is CPython {gil.version}, the free-threaded one {ft.version}: "
                     "the single-thread ratio compares different sources, not only the build option")
    name = ft.variant or "free-threaded"
    targets = [
        Target("ft", name, ft.path, ft.version or "?"),
        Target("ft-gil", f"{name} PYTHON_GIL=1", ft.path, ft.version or "?", (("PYTHON_GIL", "1"),)),
        Target("gil", gil.variant or "GIL build", gil.path, gil.version or "?"),
    ]
    return targets, notes
