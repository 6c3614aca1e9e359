"""The Matrix example (examples/matrix) built for an interpreter, and its stress scenario placed
beside it: one place for tests/ and bench/ (which must not import tests/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .compile_ext import build_extension, interpreter_build_info

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "include"
EXAMPLES = REPO / "examples" / "matrix"
STRICT = ("-Werror", "-Wall", "-Wextra", "-Wconversion")


def build(source: Path, module: str, python: str, lang: str, flags: tuple[str, ...] = ()) -> Path:
    """source compiled against ftkit's headers (include/) and its own folder, cached."""
    # -isystem for CPython's own headers: the warnings judge ftkit's code, not CPython's.
    extra = (*flags, "-isystem", interpreter_build_info(python)["include"], "-I", str(INCLUDE),
             "-I", str(source.parent))
    return build_extension(source.read_text(), module, python, lang=lang, extra_args=extra,
                           depends=(INCLUDE / "ftkit", source.parent))


def build_matrix(python: str, variant: str) -> Path:
    """examples/matrix/matrix_<variant>.cpp as module matrix_<variant>, e.g. variant="locked"."""
    return build(EXAMPLES / f"matrix_{variant}.cpp", f"matrix_{variant}", python, "c++", ("-O2", *STRICT))


def matrix_example(variant: str, python: str, folder: Path) -> Path:
    """examples/matrix/scenario.py beside matrix_<variant> built for python; the scenario imports
    the variant named by MATRIX_VARIANT (default "unsafe"), so set it for the others."""
    built = build_matrix(python, variant)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, folder / built.name)
    return Path(shutil.copy(EXAMPLES / "scenario.py", folder / "scenario.py"))
