"""Child program: where does NAME live in this interpreter? (a distribution's files, else a module).

argv: NAME. Run by gilcheck under the target interpreter, because that is where the distribution
is installed. Result: {"kind": "distribution", "root", "files"} | {"kind": "module", "origin",
"locations"} | {} (with "error" when finding the module raised).
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import importlib.metadata as md  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402


def locate(name: str) -> dict:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        pass
    else:
        return {"kind": "distribution", "root": str(dist.locate_file("")),
                "files": [str(f) for f in (dist.files or [])]}
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:
        return {"error": f"{type(e).__name__}: {e}"}
    if spec is None:
        return {}
    return {"kind": "module", "origin": spec.origin, "locations": list(spec.submodule_search_locations or [])}


channel.send(RESULT, locate(sys.argv[1]))
