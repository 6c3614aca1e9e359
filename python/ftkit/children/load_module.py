"""Child program: does creating (or importing) one extension module turn the GIL on?

argv: NAME PATH MODE. Run by `ftkit audit --verify-import` under a free-threaded interpreter, one
process per module. MODE "create" builds the module object from PATH (module_from_spec), which is
where CPython reads Py_mod_gil or the single-phase PyUnstable_Module_SetGIL, without running its
exec step; MODE "import" imports NAME the normal way. Result: {"gil_enabled", "error"}.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import importlib.util  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402


def load(name: str, path: str, mode: str) -> dict:
    warnings.simplefilter("ignore")  # the GIL warning is the expected outcome, not noise to print
    error = None
    try:
        if mode == "create":
            importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path))
        else:
            importlib.import_module(name)
    except BaseException as e:
        error = f"{type(e).__name__}: {e}"[:200]
    return {"gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True, "error": error}


channel.send(RESULT, load(*sys.argv[1:4]))
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except Exception:  # the module may have closed or replaced them
        pass
os._exit(0)  # the answer is sent: an atexit handler (os._exit(3), say) or a crash at finalisation is not it
