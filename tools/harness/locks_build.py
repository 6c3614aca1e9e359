"""Compile sources that include ftkit's lock headers for a chosen interpreter: the lock tests' modules
and the Matrix examples (examples/matrix), for tests and benchmarks alike."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.compile_ext import build_extension, cythonize, interpreter_build_info

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "include"
EXAMPLES = REPO / "examples" / "matrix"
STRICT = ("-Werror", "-Wall", "-Wextra", "-Wconversion")


def build(source: Path, module: str, python: str, lang: str, flags: tuple[str, ...] = ()) -> Path:
    # -isystem for CPython's own headers: the warnings judge ftkit's code, not CPython's.
    extra = (*flags, "-isystem", interpreter_build_info(python)["include"], "-I", str(INCLUDE),
             "-I", str(source.parent))
    return build_extension(source.read_text(), module, python, lang=lang, extra_args=extra,
                           depends=(INCLUDE / "ftkit", source.parent))


def build_matrix(python: str, variant: str) -> Path:
    """examples/matrix/matrix_<variant>.cpp as module matrix_<variant>, e.g. variant="locked"."""
    return build(EXAMPLES / f"matrix_{variant}.cpp", f"matrix_{variant}", python, "c++", ("-O2", *STRICT))


def installed_package(python: str) -> Path:
    """The ftkit package directory installed for `python`: ftkit/locks.pxd, ftkit/include/ftkit/."""
    probe = "import ftkit, os; print(os.path.dirname(ftkit.__file__))"
    return Path(subprocess.run([python, "-c", probe], capture_output=True, text=True,
                               check=True).stdout.strip())


def build_cython(pyx: Path, module: str, python: str, cython_python: str, include: tuple[Path, ...] = ()) -> Path:
    """Cythonize pyx (C++) with the Cython of cython_python, which cimports ftkit.locks from the
    ftkit installed there, as a user gets it; then compile it for `python`."""
    package = installed_package(cython_python)
    source = cythonize(pyx, cython_python, cplus=True, depends=(pyx.parent, package))
    extra = ["-O2", "-isystem", interpreter_build_info(python)["include"], "-I", str(package / "include")]
    for d in include:
        extra += ["-I", str(d)]
    return build_extension(source, module, python, lang="c++", extra_args=tuple(extra),
                           depends=(package / "include" / "ftkit", *include))


def build_matrix_cython(python: str, cython_python: str) -> Path:
    """examples/matrix/matrix_cy.pyx as module matrix_cy."""
    return build_cython(EXAMPLES / "matrix_cy.pyx", "matrix_cy", python, cython_python, (EXAMPLES,))
