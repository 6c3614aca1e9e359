"""Child program: what is this interpreter? (version, free-threaded build, GIL state, suffixes).

Run by interpreters.probe() under the interpreter asked about, which may be any CPython 3.9+ (or
not CPython at all): stdlib only, nothing heavy, no ftkit needed.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import importlib.machinery  # noqa: E402  (after the channel is taken: nothing below may inherit it)
import sys  # noqa: E402
import sysconfig  # noqa: E402


def facts() -> dict:
    v = sys.version_info
    pre = "" if v.releaselevel == "final" else v.releaselevel[0] + str(v.serial)  # "rc1"
    version = f"{v.major}.{v.minor}.{v.micro}{pre}"
    found = importlib.machinery.PathFinder.find_spec("ftkit")
    return {
        "version": version,
        "implementation": sys.implementation.name,
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        # In this environment: PYTHON_GIL=1 or a module loaded by site can have turned it on.
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
        "executable": sys.executable,
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "extension_suffixes": list(importlib.machinery.EXTENSION_SUFFIXES),
        "ftkit": list(found.submodule_search_locations or []) if found is not None else None,
    }


channel.send(RESULT, facts())
