"""Compile the lock helpers' test module and the Cython Matrix for a chosen interpreter (the C++
Matrix examples and the ftkit-headers build are in tools/harness/examples.py, shared with bench/)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.compile_ext import build_extension, interpreter_build_info
from harness.examples import EXAMPLES, INCLUDE, REPO, STRICT, build, build_matrix  # noqa: F401  # re-exported


def installed_package(python: str) -> Path:
    """The ftkit package directory installed for `python`: ftkit/locks.pxd, ftkit/include/ftkit/."""
    probe = "import ftkit, os; print(os.path.dirname(ftkit.__file__))"
    return Path(subprocess.run([python, "-c", probe], capture_output=True, text=True,
                               check=True).stdout.strip())


def build_cython(pyx: Path, module: str, python: str, cython_python: str, workdir: Path,
                 include: tuple[Path, ...] = ()) -> Path:
    """Cythonize pyx (C++) with the Cython of cython_python, which cimports ftkit.locks from the
    ftkit installed there, as a user gets it; then compile it for `python`."""
    out = workdir / f"{module}.cpp"
    subprocess.run([cython_python, "-m", "cython", "-3", "--cplus", str(pyx), "-o", str(out)],
                   check=True, capture_output=True, text=True)
    extra = ["-O2", "-isystem", interpreter_build_info(python)["include"],
             "-I", str(installed_package(cython_python) / "include")]
    for d in include:
        extra += ["-I", str(d)]
    return build_extension(out.read_text(), module, python, lang="c++", extra_args=tuple(extra))


def build_matrix_cython(python: str, cython_python: str, workdir: Path) -> Path:
    """examples/matrix/matrix_cy.pyx as module matrix_cy."""
    return build_cython(EXAMPLES / "matrix_cy.pyx", "matrix_cy", python, cython_python, workdir, (EXAMPLES,))
