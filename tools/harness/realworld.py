"""Real PyPI projects built and installed the ways maintainers do (harness.manifest.REALWORLD_*).

`make prepare` calls prepare(step) for each missing step: it downloads the pinned sdists with pip,
builds wheels from them for a free-threaded 3.14t and a GIL 3.12, and makes venvs holding the
installed, editable (meson-python, setuptools PEP 660 and .pth, scikit-build-core) and source-checkout
layouts, all under the cache's realworld/ folder, each once (a step's stamp file says it is done).
Tests only look things up (dist_dir, venv_python, source_dir) and fail with NotPrepared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from ftkit.interpreters.cache import cache_root

from . import corpus
from .interpreters import interpreter
from .manifest import (
    CYTHON,
    GREENLET,
    MSGPACK_SDIST,
    REALWORLD_DISTS,
    REALWORLD_SDISTS,
    REALWORLD_SKBUILD,
    REALWORLD_VENVS,
    RealVenv,
    Sdist,
)
from .prepared import NotPrepared
from .sources import multi_phase

PIP = ("-m", "pip", "--disable-pip-version-check", "-q")
CHECKOUT = "msgpack-checkout"  # where `ftkit gilcheck msgpack` runs, ./msgpack being its sources


def root() -> Path:
    return cache_root() / "realworld"


def _stamp(kind: str, name: str) -> Path:
    return root() / "stamps" / f"{kind}-{name}"


def _done(kind: str, name: str) -> bool:
    return _stamp(kind, name).is_file()


def _mark(kind: str, name: str) -> None:
    _stamp(kind, name).parent.mkdir(parents=True, exist_ok=True)
    _stamp(kind, name).write_text("ok\n")


def _run(*cmd, cwd: Path | None = None) -> None:
    # A venv's python first puts its bin/ on PATH, as `activate` would: meson-python runs `meson` from there.
    bin_dir = Path(str(cmd[0])).parent
    env = {**os.environ, "PIP_NO_INPUT": "1", "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=3600, env=env)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed (exit {proc.returncode}):\n{tail}")


# -- sdists ---------------------------------------------------------------------------------------
def sdist_path(s: Sdist) -> Path:
    found = sorted((root() / "sdists").glob(f"{s.project}-{s.version}.tar.gz"))
    if not found:
        raise NotPrepared(f"sdist {s.project}=={s.version} ({root() / 'sdists'})")
    return found[0]


def _download_sdist(s: Sdist) -> None:
    # pip prepares an sdist's metadata to download it (for meson-python that is a build): done once.
    _run(interpreter("3.14t"), *PIP, "download", "--no-deps", "--no-binary", s.project,
         f"{s.project}=={s.version}", "-d", root() / "sdists")


def source_dir(name: str) -> Path:
    """An unpacked sdist, as a maintainer's source checkout: 'msgpack-1.2.4', or a variant's copy."""
    d = root() / "src" / name
    if not d.is_dir():
        raise NotPrepared(f"source tree {d}")
    return d


def _unpack(s: Sdist, name: str) -> Path:
    d = root() / "src" / name
    if d.is_dir():
        shutil.rmtree(d)
    d.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist_path(s)) as tar:
        tar.extractall(d.parent / f".{name}", filter="data")
    (d.parent / f".{name}" / f"{s.project}-{s.version}").rename(d)
    shutil.rmtree(d.parent / f".{name}")
    return d


# -- dist/ folders: what `python -m build` + cibuildwheel leave for `ftkit audit dist/*` ------------
def dist_dir(name: str) -> Path:
    d = root() / "dist" / name
    if not _done("dist", name):
        raise NotPrepared(f"dist folder {d}")
    return d


def _build_dist(name: str) -> None:
    spec = REALWORLD_DISTS[name]
    s = spec.sdist
    out = root() / "dist" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    tree = _unpack(s, f"{name}-build")
    for filename, old, new in spec.patches:  # e.g. msgpack without its free-threading directive
        paths = list(tree.rglob(filename))
        if not paths or any(old not in p.read_text() for p in paths):
            raise RuntimeError(f"{tree}: {filename} with {old!r} not found to patch")
        for path in paths:
            path.write_text(path.read_text().replace(old, new))
    if spec.cythonize:  # as the maintainers regenerate it: `cython` on the .pyx, then the usual build
        tools = root() / "tools" / "cython"
        if not tools.is_dir():
            _run(interpreter("3.14t"), *PIP, "install", "--target", tools, CYTHON)
        for pyx in spec.cythonize:
            _run(interpreter("3.14t"), "-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); "
                 "from Cython.Compiler.Main import setuptools_main; sys.exit(setuptools_main())", tools, pyx,
                 cwd=tree)
    for python in spec.pythons:
        _run(interpreter(python), *PIP, "wheel", "--no-deps", tree, "-w", out)
    if not spec.patches:  # the sdist as released; a patched tree has no sdist of its own
        shutil.copy(sdist_path(s), out)
    shutil.rmtree(tree)
    _mark("dist", name)


# -- venvs: installed, editable and checkout layouts ----------------------------------------------
def venv_python(v: RealVenv) -> Path:
    d = root() / "venvs" / v.name
    if not _done("venv", v.name):
        raise NotPrepared(f"venv {d}")
    return d / "bin" / "python"


def _skbuild_project() -> Path:
    """A small scikit-build-core project (CMake + one C module that does not declare Py_mod_gil)."""
    name = REALWORLD_SKBUILD
    d = root() / "src" / name
    shutil.rmtree(d, ignore_errors=True)
    (d / "src" / name).mkdir(parents=True)
    (d / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["scikit-build-core>=0.10"]\nbuild-backend = "scikit_build_core.build"\n\n'
        f'[project]\nname = "{name}"\nversion = "1.0"\n')
    (d / "CMakeLists.txt").write_text(
        f"cmake_minimum_required(VERSION 3.15)\nproject({name} LANGUAGES C)\n"
        "find_package(Python REQUIRED COMPONENTS Interpreter Development.Module)\n"
        "python_add_library(_core MODULE src/core.c WITH_SOABI)\n"
        f"install(TARGETS _core DESTINATION {name})\n")
    (d / "src" / "core.c").write_text(multi_phase("_core", None))
    (d / "src" / name / "__init__.py").write_text("from ._core import answer\n")
    return d


def _make_venv(v: RealVenv) -> None:
    d = root() / "venvs" / v.name
    _run(interpreter(v.python), "-m", "venv", "--clear", d)
    py = d / "bin" / "python"
    if v.requirements:
        _run(py, *PIP, "install", *v.requirements)
    for name in v.wheels_from:  # wheels built into a dist/ folder
        _run(py, *PIP, "install", "--no-deps", *sorted(dist_dir(name).glob(f"*{v.abi}*.whl")))
    if v.greenlet:
        _run(py, *PIP, "install", "--no-deps", corpus.path(GREENLET, "linux"))
    for project, backend_args in v.editable:
        if project == REALWORLD_SKBUILD:
            tree = _skbuild_project()
        else:
            s = next(s for s in REALWORLD_SDISTS if s.project == project)
            tree = _unpack(s, f"{project}-{v.name}")
        _run(py, *PIP, "install", "--no-deps", *backend_args, "-e", tree)
    _mark("venv", v.name)


# -- what prepare does ------------------------------------------------------------------------------
def missing() -> list[tuple[str, object, tuple]]:
    """(what, how to make it, its arguments) for each step the cache lacks, in dependency order."""
    out = []
    for s in REALWORLD_SDISTS:
        if not sorted((root() / "sdists").glob(f"{s.project}-{s.version}.tar.gz")):
            out.append((f"sdist {s.project}=={s.version}", _download_sdist, (s,)))
    for name, spec in REALWORLD_DISTS.items():
        if not _done("dist", name):
            out.append((f"dist/ of {name} (wheels for {', '.join(spec.pythons)} from its sdist)", _build_dist,
                        (name,)))
    for v in REALWORLD_VENVS:
        if not _done("venv", v.name):
            out.append((f"venv {v.name} ({v.python}: {v.describe()})", _make_venv, (v,)))
    if not (root() / "src" / CHECKOUT).is_dir():
        out.append((f"source checkout {CHECKOUT} (the unpacked sdist, unbuilt)", _unpack,
                    (MSGPACK_SDIST, CHECKOUT)))
    return out
