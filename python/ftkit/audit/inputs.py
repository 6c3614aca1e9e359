"""Which files `ftkit audit PATH...` reads: directories expanded, sdists and build leftovers skipped.

`python -m build` writes an sdist beside the wheels, and build folders hold the build tools' own
binaries (meson's meson-private/sanity_check_for_cython.so, CMake's try-compile results, a venv's
site-packages): none of them is a module the project ships, so each is skipped with a note
(issue 11 items 6 and 7) rather than audited or reported unreadable.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..tags import BINARY_ENDINGS

# PEP 625: sdists are name-version.tar.gz; older ones were .zip (and distutils wrote .tar.bz2 etc).
SDIST_ENDINGS = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
SDIST = "sdist (source distribution: it holds no built modules; audit the wheels built from it)"
BUILD_DIR = "build-tool folder (the build tools' own files, not the project's modules; give the folder " \
    "itself to audit it)"
EXCLUDED = "matched --exclude"

# Folders build tools, VCSs and test runners write, by name: meson (meson-private, meson-logs,
# meson-info), CMake (CMakeFiles), setuptools (.eggs), CPython (__pycache__), git/hg/svn, tox,
# nox and the linters' caches. Besides these: build/temp.* (setuptools' build_ext objects) and any
# folder holding pyvenv.cfg (PEP 405 venvs) or conda-meta (conda environments).
BUILD_TOOL_DIRS = frozenset({
    "meson-private", "meson-logs", "meson-info", "CMakeFiles", ".eggs", "__pycache__", ".git", ".hg",
    ".svn", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules",
})


class InputError(Exception):
    """A path that does not exist or holds nothing to audit."""


@dataclass
class Inputs:
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, one of SDIST/BUILD_DIR/EXCLUDED)


def is_build_tool_dir(path: Path) -> bool:
    if path.name in BUILD_TOOL_DIRS or (path.name.startswith("temp.") and path.parent.name == "build"):
        return True
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


def excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """Whether a path (relative to the directory given, '/'-separated) or its last part matches a
    --exclude glob: `--exclude 'tests/*'`, `--exclude '*_test.so'`, `--exclude vendored`."""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def collect(paths: list[str], exclude: tuple[str, ...] = ()) -> Inputs:
    """Expand directories (recursively) into the wheels and extension binaries they hold."""
    out = Inputs()
    for p in paths:
        path = Path(p)
        if excluded(path.as_posix(), exclude):
            out.skipped.append((p, EXCLUDED))
        elif path.is_dir():
            _walk(path, exclude, out)
        elif path.is_file():
            if path.name.endswith(SDIST_ENDINGS):
                out.skipped.append((p, SDIST))
            else:
                out.files.append(str(path))
        else:
            raise InputError(f"{p}: no such file or directory")
    if not out.files:
        why = "; ".join(sorted({f"{p}: skipped, {reason}" for p, reason in out.skipped}))
        raise InputError(why or "nothing to audit")
    return out


def _walk(top: Path, exclude: tuple[str, ...], out: Inputs) -> None:
    # A subdirectory that cannot be listed is passed on as an input, so the core reports it
    # unreadable (exit 2) instead of the audit passing without it (issue 12).
    found, unlisted = [], []
    for root, dirs, names in os.walk(top, onerror=unlisted.append):
        here = Path(root)
        for d in sorted(dirs):
            rel = (here / d).relative_to(top).as_posix()
            if excluded(rel, exclude):
                out.skipped.append((str(here / d), EXCLUDED))
            elif is_build_tool_dir(here / d):
                out.skipped.append((str(here / d), BUILD_DIR))
            else:
                continue
            dirs.remove(d)  # os.walk descends only into what is left
        for n in names:
            f = here / n
            if excluded(f.relative_to(top).as_posix(), exclude):
                out.skipped.append((str(f), EXCLUDED))
            elif n.endswith(SDIST_ENDINGS) and f.is_file():
                out.skipped.append((str(f), SDIST))
            elif n.endswith((".whl", *BINARY_ENDINGS)) and f.is_file():
                found.append(str(f))
    found = sorted(found + [e.filename for e in unlisted])
    if not found:
        raise InputError(f"{top}: no wheels or extension modules in this directory")
    out.files.extend(found)
