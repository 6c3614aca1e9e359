"""Catch the moment an extension module turns the GIL on, naming the module, its file and import chain.

Stdlib only and safe on 3.9+ (a no-op where `sys._is_gil_enabled` does not exist): it runs from a
.pth file at interpreter start-up, inside pytest, and as source inside `ftkit gilcheck`'s probe
processes on interpreters where ftkit is not installed.

How: every extension module is created by `ExtensionFileLoader.create_module` (the path-based
finder's loader, `importlib._bootstrap_external`); CPython decides on the GIL inside that call
(`_PyImport_CheckGILForModule`, Python/import.c, 3.13+), so one wrapper reading
`sys._is_gil_enabled()` before and after it sees the flip at once. A module that declares support
pays two calls to a C function. Inside another module's init the GIL is enabled *transiently*
(`_PyEval_EnableGILTransient`), so a nested load cannot be judged by the GIL's state; it is judged
by CPython's warning instead, which names the module (_load_witnessed).
"""

from __future__ import annotations

import os
import sys
from _thread import _local as _thread_local  # threading.local without importing threading

EXIT_CODE = 86  # strict mode's exit code: outside pytest's 0-5, sysexits' 64-78 and signals' 128+
ENV_VAR = "FTKIT_STRICT_GIL"

_IMPORTLIB_FILES = ("<frozen importlib", os.sep + "importlib" + os.sep)
# A copy of fd 2 as it was at start-up, taken by install_from_environment: pytest's fd capture (and
# any other capture) later points fd 2 at a temporary file that os._exit throws away unread, so the
# strict-mode message of a process that ends at once must go to the stderr the user started with
# (issue 11 item 3). os.dup's copy is non-inheritable (PEP 446): children do not keep it open.
_startup_stderr: int | None = None
_OWN_CODE = set()  # code objects of the wrappers below, left out of import chains


class GILEnabledError(RuntimeError):
    """Raised (pytest strict mode) from the import that turned the GIL on; the GIL stays on regardless."""


class Flip:
    """What turned the GIL on: module name, file, import chain, and the extension modules its init
    loaded (each judged on its own, so they are context, not suspects)."""

    def __init__(self, module: str, path: str, chain: list, nested: list) -> None:
        self.module = module
        self.path = path
        self.chain = chain
        self.nested = nested

    def chain_text(self) -> str:
        return " -> ".join(self.chain + [self.module])

    def message(self) -> str:
        text = (f"the GIL was enabled by loading extension module '{self.module}' ({self.path}), "
                "which does not declare free-threading support (Py_mod_gil = Py_MOD_GIL_NOT_USED)")
        return text + f"; import chain: {self.chain_text()}"

    def fix(self) -> str:
        return fix_line(self.path)

    def to_dict(self) -> dict:
        return {"module": self.module, "path": self.path, "chain": self.chain, "nested": self.nested}


def fix_line(path: str) -> str:
    """How to declare support, for the binding generator ftkit reads from the module's file
    (ftkit.rules, shared with audit and gilcheck; every generator's way when the file cannot be
    read). Where ftkit is not importable (probe processes run this file as source), plain advice."""
    try:
        from ftkit.rules import fix_for_file
    except ImportError:
        return "declare support in the module"
    return fix_for_file(path)


def gil_enabled() -> bool:
    return sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True


def _is_importlib(filename: str) -> bool:
    return filename.startswith(_IMPORTLIB_FILES[0]) or _IMPORTLIB_FILES[1] in filename


def _relative(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith(".." + os.sep) else rel


def _installed_code(filename: str) -> bool:
    """True for a file of the stdlib or of an installed distribution (site-packages): library code,
    such as pytest's own functions that import test modules and conftest files."""
    import sysconfig

    if filename.startswith("<frozen "):  # the stdlib's frozen modules: site, runpy, importlib
        return True
    roots = {os.path.join(os.path.realpath(p), "") for key, p in sysconfig.get_paths().items()
             if key in ("stdlib", "platstdlib", "purelib", "platlib")}
    return os.path.realpath(filename).startswith(tuple(roots))


def import_chain(depth: int) -> list:
    """Files on the stack that are executing an import, outermost first.

    A frame counts only while it is inside an import (the next frame in is importlib): that keeps
    `pytest/__main__.py` and other running scripts out of the chain. Module bodies are named by
    file; a function that imported (a test doing a lazy `import pkg`) as `file:line (function)`,
    unless it is library code (pytest importing the test module) and not the direct importer.
    """
    frames = []
    frame = sys._getframe(depth)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    frames.reverse()  # outermost first
    frames = [f for f in frames if f.f_code not in _OWN_CODE]  # nested loads run through our wrapper
    importing = []
    for i, f in enumerate(frames):
        if _is_importlib(f.f_code.co_filename) or i + 1 == len(frames):
            continue
        if _is_importlib(frames[i + 1].f_code.co_filename):
            importing.append(f)
    chain = []
    for i, f in enumerate(importing):
        if f.f_code.co_name == "<module>":
            chain.append(_relative(f.f_code.co_filename))
        elif i + 1 == len(importing) or not _installed_code(f.f_code.co_filename):
            chain.append(f"{_relative(f.f_code.co_filename)}:{f.f_lineno} ({f.f_code.co_name})")
    return chain


def _load_witnessed(original, loader, spec):
    """Run original(loader, spec) and tell from CPython's warning whether it enabled the GIL.

    The caught warnings are re-issued, so the caller's filters still decide how they show.
    """
    import warnings

    needle = f"has been enabled to load module '{spec.name}'"  # _PyImport_CheckGILForModule
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            module, error = original(loader, spec), None
        except BaseException as e:
            module, error = None, e
    flipped = any(issubclass(w.category, RuntimeWarning) and needle in str(w.message) for w in caught)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return module, error, flipped


class Watcher:
    """Wraps ExtensionFileLoader.create_module; on the first flip calls on_flip(Flip) in the importer.

    on_flip may raise (the exception propagates out of the import) or end the process.
    """

    def __init__(self, on_flip) -> None:
        self.on_flip = on_flip
        self.flip = None  # the first Flip seen, kept for reports
        self._local = _thread_local()
        self._loader = None
        self._original = None

    def install(self) -> Watcher:
        loader = sys.modules["_frozen_importlib_external"].ExtensionFileLoader
        original = loader.create_module
        watcher = self

        # The fast path below is a few attribute loads and two C calls.
        is_on = getattr(sys, "_is_gil_enabled", gil_enabled)
        local = self._local

        def create_module(self, spec):
            __tracebackhide__ = True  # pytest: the user's import line is the interesting frame
            if watcher.flip is not None:
                return original(self, spec)
            try:
                stack = local.stack  # (name, names it loaded) of this thread's loads in progress
            except AttributeError:
                stack = local.stack = []
            before = is_on()
            # Inside another module's init the GIL is transiently on, so its state cannot show this
            # load's verdict; CPython's warning, which names the module, can.
            witnessed = before and bool(stack)
            if stack:
                stack[-1][1].append(spec.name)
            stack.append((spec.name, []))
            module = error = None
            try:
                if witnessed:
                    module, error, flipped = _load_witnessed(original, self, spec)
                else:
                    try:
                        module = original(self, spec)
                    except BaseException as e:  # e.g. the GIL warning made an error: still a flip
                        error = e
                    flipped = not before and is_on()
            finally:
                nested = stack.pop()[1]
            if flipped and watcher.flip is None:
                outer = [name for name, _ in stack]  # extension modules whose init is running
                watcher.flip = Flip(spec.name, getattr(self, "path", "?"), import_chain(2) + outer,
                                    [] if witnessed else nested)
                watcher.on_flip(watcher.flip)
            if error is not None:
                raise error
            return module

        _OWN_CODE.update((create_module.__code__, _load_witnessed.__code__))
        create_module.__ftkit_watcher__ = self
        loader.create_module = create_module
        self._loader, self._original = loader, original
        return self

    def uninstall(self) -> None:
        if self._loader is not None and self._loader.create_module.__dict__.get("__ftkit_watcher__") is self:
            self._loader.create_module = self._original
        self._loader = None


def installed() -> Watcher | None:
    loader = sys.modules["_frozen_importlib_external"].ExtensionFileLoader
    return getattr(loader.create_module, "__ftkit_watcher__", None)


def enabled_by_warning() -> str | None:
    """The extension module CPython named when it enabled the GIL, or None if its warning left no trace.

    CPython warns once, for the module that enabled the GIL (`_PyImport_CheckGILForModule`,
    Python/import.c); the warnings machinery records each shown warning in `__warningregistry__` of
    the module the warning is attributed to (stacklevel 1: importlib's `_bootstrap`, or a custom
    loader's module). No trace when the filters ignored, raised or always showed it (those are not
    recorded), or when a change of filters reset that registry since.
    """
    needle = "has been enabled to load module '"
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if not isinstance(registry, dict):
            continue
        for key in list(registry):
            if isinstance(key, tuple) and key and isinstance(key[0], str) and needle in key[0]:
                return key[0].split(needle, 1)[1].split("'", 1)[0]
    return None


def loaded_extension_modules() -> list:
    import importlib.machinery

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return sorted(n for n, m in list(sys.modules.items())
                  if (getattr(m, "__file__", None) or "").endswith(suffixes))


def _write_to_user(text: str) -> None:
    """Write to the stderr the process started with (_startup_stderr), else to fd 2 as it is now."""
    data = text.encode(errors="replace")
    for fd in (_startup_stderr, 2):
        if fd is None:
            continue
        try:
            os.write(fd, data)
            return
        except OSError:  # closed since start-up: try the next
            continue


def _die(flip: Flip) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken stream must not stop the exit
            pass
    # A leading newline: a test runner's progress line ("test_a.py .") is usually still open.
    _write_to_user(f"\nftkit strict GIL ({ENV_VAR}=1): {flip.message()}\n"
                   f"ftkit strict GIL: exiting with code {EXIT_CODE}; fix: {flip.fix()}; "
                   "or run with PYTHON_GIL=0 to keep the GIL off at your own risk\n")
    os._exit(EXIT_CODE)


def install_from_environment() -> None:
    """Entry of the .pth file when FTKIT_STRICT_GIL is set: any GIL flip ends the process at once."""
    global _startup_stderr
    if not hasattr(sys, "_is_gil_enabled") or installed() is not None:
        return  # a GIL build: nothing can turn on what is always on
    try:
        _startup_stderr = os.dup(2)
    except OSError:  # started without a stderr: fd 2 is all there is
        _startup_stderr = None
    if gil_enabled():
        if os.environ.get("PYTHON_GIL") == "1" or sys._xoptions.get("gil") == "1":
            why = "PYTHON_GIL=1 / -X gil=1 forces it on"
        else:
            name = enabled_by_warning()
            why = (f"CPython enabled it to load extension module '{name}', before site-packages' .pth files"
                   if name else "extension modules loaded before site-packages' .pth files: "
                   + ", ".join(loaded_extension_modules()))
        os.write(2, f"ftkit strict GIL ({ENV_VAR}=1): the GIL was already enabled at start-up ({why})\n"
                 .encode())
        os._exit(EXIT_CODE)
    Watcher(_die).install()
