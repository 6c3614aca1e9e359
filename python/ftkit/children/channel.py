"""The child's end of the result channel: one JSON line on a pipe the parent passed, not on stdout.

Stdlib only, 3.9+, imported by the child programs beside it (run by path with any interpreter,
ftkit installed or not) and by the parent for ENV_VAR. The fd number arrives in ENV_VAR; `take()`
removes the variable and makes the fd non-inheritable, so code the child runs afterwards (the
module under test, its subprocesses) neither sees the number nor inherits the pipe through exec.
Writing to stdout, however much and in whatever shape, never forges a result.
"""

import os
import sys

ENV_VAR = "FTKIT_RESULT_FD"


def leave_sys_path() -> None:
    """Drop this folder from sys.path (Python put it first, as the script's directory): the
    programs' siblings (channel, runner, ...) must not shadow modules of the code under test."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.modules.pop(__name__, None)  # a target's own `import channel` finds its module, not this one


def load(path: str):
    """Import the stdlib-only file at path (ftkit's strict hook, say) and forget where it came from:
    its folder leaves sys.path and its name leaves sys.modules before the code under test runs."""
    folder, name = os.path.split(os.path.abspath(path))
    name = name[:-3] if name.endswith(".py") else name
    sys.path.insert(0, folder)
    try:
        return __import__(name)
    finally:
        sys.path.remove(folder)
        sys.modules.pop(name, None)


def take() -> int:
    """The result fd, taken out of the environment; -1 when run by hand (results go to stdout)."""
    value = os.environ.pop(ENV_VAR, "")
    if not value:
        return -1
    fd = int(value)
    os.set_inheritable(fd, False)
    return fd


# JSON's escapes for a string's quote, backslash and control characters (RFC 8259, section 7).
_ESCAPES = {**{c: f"\\u{c:04x}" for c in range(32)}, ord('"'): '\\"', ord("\\"): "\\\\",
            ord("\n"): "\\n", ord("\t"): "\\t"}


def encode(obj) -> str:
    """JSON text for the plain values a result is made of (dict, list, str, int, float, bool, None;
    anything else as its str), without `import json`: json imports re and enum, ~25 ms at the start
    of a 3.14t probe, more than many imports it judges (measured with -X importtime)."""
    if obj is None or obj is True or obj is False:
        return {None: "null", True: "true", False: "false"}[obj]
    if isinstance(obj, int):
        return int.__repr__(obj)  # not repr(): an IntEnum's is "<Signals.SIGINT: 2>"
    if isinstance(obj, float):
        return float.__repr__(obj) if obj == obj and abs(obj) != float("inf") else "null"
    if isinstance(obj, dict):
        return "{" + ", ".join(encode(str(k)) + ": " + encode(v) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(encode(v) for v in obj) + "]"
    return '"' + str(obj).translate(_ESCAPES) + '"'


def write_line(fd: int, obj) -> None:
    """Write obj as one JSON line on the channel (stdout when fd is -1); a worker that streams
    several results calls this, a one-shot program calls send()."""
    # backslashreplace writes a lone surrogate (from an undecodable file name) as JSON's \udcxx.
    data = (encode(obj) + "\n").encode("utf-8", "backslashreplace")
    fd = 1 if fd < 0 else fd
    while data:
        data = data[os.write(fd, data):]


def send(fd: int, result) -> None:
    """Write result as the one JSON line of the channel and close it."""
    write_line(fd, result)
    if fd >= 0:
        os.close(fd)
