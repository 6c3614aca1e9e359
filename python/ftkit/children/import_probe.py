"""Child program: import one module under ftkit's strict hook and say what happened to the GIL.

argv: MODULE [PATH]. Run by gilcheck (and audit --verify-import) under the free-threaded interpreter
being judged, one process per import (CPython warns only once per process, DESIGN.md). With PATH, the
extension module is only created from that file (module_from_spec): its package's __init__ and its
own exec step do not run, so the GIL's state afterwards is the module's own declaration (issue 11
item 13: a sibling that the package imported first can no longer hide it). The hook
(ftkit/strict/hook.py, stdlib only) is loaded from its file, so the target interpreter needs no
ftkit, and neither its folder nor this one stays on sys.path to shadow the target's modules.
Result: {"gil_at_start", "gil_after", "error", "flip"}; the parent turns it into an Outcome.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import os  # noqa: E402
import sys  # noqa: E402

hook = channel.load(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                 "strict", "hook.py"))


def probe(name: str, path: str = "") -> dict:
    import importlib  # not json: it imports re, which costs more than the import under test
    import importlib.util

    out = {"gil_at_start": hook.gil_enabled(), "error": None}
    watcher = None if out["gil_at_start"] else hook.Watcher(lambda flip: None).install()
    try:
        if path:
            # CPython decides in _imp.create_dynamic, before any exec step: Python/import.c calls
            # _PyImport_CheckGILForModule(mod, name) right after import_run_extension (3.13+).
            importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path))
        else:
            importlib.import_module(name)
    except BaseException as e:  # SystemExit and KeyboardInterrupt from a module body count too
        out["error"] = type(e).__name__ + ": " + str(e)
    out["gil_after"] = hook.gil_enabled()
    out["flip"] = watcher.flip.to_dict() if watcher is not None and watcher.flip else None
    return out


# This file's frames are the prober, not part of any import chain the hook reports.
hook._OWN_CODE.update((sys._getframe().f_code, probe.__code__))
result = probe(*sys.argv[1:3])
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except Exception:  # the module under test may have closed or replaced them
        pass
channel.send(RESULT, result)
os._exit(0)  # finalisation crashes are not import results
