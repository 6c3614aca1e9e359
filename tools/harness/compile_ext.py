"""Compile a small C or C++ source (or a .pyx, through Cython) into an extension module for a chosen interpreter.

Flags and the file suffix come from that interpreter's own sysconfig (asked in a subprocess,
so a test running on 3.14t can build for 3.13t or a GIL 3.12). Results are cached by a hash of
everything that affects the binary, under ${FTKIT_CACHE}/fixtures, and published by rename.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from ftkit.interpreters.cache import cache_root

_QUERY = (
    "import json, sys, sysconfig;"
    "print(json.dumps({'include': sysconfig.get_paths()['include'],"
    "'ext_suffix': sysconfig.get_config_var('EXT_SUFFIX'),"
    "'cc': sysconfig.get_config_var('CC') or 'cc',"
    "'cxx': sysconfig.get_config_var('CXX') or 'c++',"
    "'ccshared': sysconfig.get_config_var('CCSHARED') or '-fPIC',"
    "'version': sys.version,"
    "'tsan': '--with-thread-sanitizer' in (sysconfig.get_config_var('CONFIG_ARGS') or ''),"
    "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED'))}))"
)


class CompileError(Exception):
    pass


@functools.cache
def interpreter_build_info(python: str) -> dict:
    """The sysconfig facts of `python` that decide how to compile for it."""
    out = subprocess.run([python, "-c", _QUERY], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"})
    info = json.loads(out.stdout)
    if not info["tsan"]:
        del info["tsan"]  # not part of the fixtures' cache key unless it is set: theirs stay valid
    return info


def _contents_digest(depends: tuple[Path, ...]) -> str:
    """Hash of the files in `depends` (a directory stands for every file directly in it)."""
    h = hashlib.sha256()
    for dep in depends:
        for p in sorted(dep.glob("*")) if dep.is_dir() else [dep]:
            if p.is_file():
                h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def build_extension(source: str, module_name: str, python: str, *, lang: str = "c",
                    extra_args: tuple[str, ...] = (), depends: tuple[Path, ...] = ()) -> Path:
    """Return the path of `module_name` compiled from `source` for `python` (built at most once).

    `depends`: headers (files or directories) the source includes; their contents join the cache
    key, so editing a header rebuilds every module that uses it.
    """
    if lang not in ("c", "c++"):
        raise ValueError(f"lang must be 'c' or 'c++', not {lang!r}")
    info = interpreter_build_info(python)
    key = hashlib.sha256(json.dumps(
        [source, module_name, lang, list(extra_args), info, _contents_digest(depends)],
        sort_keys=True).encode()).hexdigest()[:20]
    final_dir = cache_root() / "fixtures" / key
    target = final_dir / (module_name + info["ext_suffix"])
    if target.is_file():
        return target

    final_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=final_dir.parent))
    try:
        src = work / (module_name + (".c" if lang == "c" else ".cpp"))
        src.write_text(source)
        compiler = shlex.split(info["cc"] if lang == "c" else info["cxx"])
        std = ["-std=c11", "-Werror=implicit-function-declaration"] if lang == "c" else ["-std=c++17"]
        # For a ThreadSanitizer interpreter, as setuptools does through its sysconfig CFLAGS (docs/tsan.md).
        sanitize = ["-fsanitize=thread"] if info.get("tsan") else []
        cmd = [*compiler, *std, "-shared", *shlex.split(info["ccshared"]), "-O1", "-g", "-Wall", *sanitize,
               "-I", info["include"], str(src), "-o", str(work / target.name), *extra_args]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise CompileError(f"compiling {module_name} for {python} failed:\n"
                               f"$ {shlex.join(cmd)}\n{proc.stderr}")
        try:
            os.rename(work, final_dir)
        except OSError:
            if not target.is_file():  # another process published the same key first: fine
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@functools.cache
def _cython_version(cython_python: str) -> str:
    return subprocess.run([cython_python, "-c", "import Cython; print(Cython.__version__)"], capture_output=True,
                          text=True, check=True).stdout.strip()


def cythonize(pyx: Path, cython_python: str, *, cplus: bool = False, depends: tuple[Path, ...] = ()) -> str:
    """Cython's C (or C++) output for the file pyx, from the Cython of cython_python (cached).

    The key is the .pyx text and name, Cython's version, the flags and the contents of `depends`
    (the .pxd files it cimports: files, or directories standing for every file in them).
    """
    key = hashlib.sha256(json.dumps(
        [pyx.name, pyx.read_text(), cplus, cython_python, _cython_version(cython_python),
         _contents_digest(depends)]).encode()).hexdigest()[:20]
    out = cache_root() / "fixtures" / f"cython-{key}" / (pyx.stem + (".cpp" if cplus else ".c"))
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}")
        cmd = [cython_python, "-m", "cython", "-3", *(["--cplus"] if cplus else []), str(pyx), "-o", str(tmp)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise CompileError(f"cythonizing {pyx} failed:\n$ {shlex.join(cmd)}\n{proc.stderr}{proc.stdout}")
        os.replace(tmp, out)  # published whole: a concurrent run sees the old state or the new file
    return out.read_text()

