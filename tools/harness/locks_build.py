"""Compile Cython sources that cimport ftkit.locks (the lock helpers' .pxd test and the Cython Matrix)
for a chosen interpreter; the C/C++ ftkit-headers build is in tools/harness/examples.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.compile_ext import build_extension, cythonize, interpreter_build_info
from harness.examples import EXAMPLES


def installed_package(python: str) -> Path:
    """The ftkit package directory installed for `python`: ftkit/locks.pxd, ftkit/include/ftkit/."""
    probe = "import ftkit, os; print(os.path.dirname(ftkit.__file__))"
    return Path(subprocess.run([python, "-c", probe], capture_output=True, text=True,
                               check=True).stdout.strip())


def build_cython(pyx: Path, module: str, python: str, cython_python: str, include: tuple[Path, ...] = (),
                 cplus: bool = True) -> Path:
    """Cythonize pyx (C++, or C with cplus=False) with the Cython of cython_python, which cimports
    ftkit.locks from the ftkit installed there, as a user gets it; then compile it for `python`."""
    package = installed_package(cython_python)
    source = cythonize(pyx, cython_python, cplus=cplus, depends=(pyx.parent, package))
    extra = ["-O2", "-isystem", interpreter_build_info(python)["include"], "-I", str(package / "include")]
    for d in include:
        extra += ["-I", str(d)]
    return build_extension(source, module, python, lang="c++" if cplus else "c", extra_args=tuple(extra),
                           depends=(package / "include" / "ftkit", *include))


def build_matrix_cython(python: str, cython_python: str) -> Path:
    """examples/matrix/matrix_cy.pyx as module matrix_cy."""
    return build_cython(EXAMPLES / "matrix_cy.pyx", "matrix_cy", python, cython_python, (EXAMPLES,))
