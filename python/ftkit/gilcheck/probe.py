"""Import one module in a fresh interpreter process and say what happened to the GIL.

One process per (module, mode): CPython warns only for the first module that needs the GIL
(DESIGN.md), and a crash or hang must cost only that probe. The child runs ftkit.strict.hook's
source (stdlib only, so the target interpreter needs no ftkit) and prints one line, a Python literal.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..strict import hook

MARKER = "@@ftkit-gilcheck@@"
MODES = {"default": {}, "PYTHON_GIL=0": {"PYTHON_GIL": "0"}}
_STDERR_LINES = 15

_CHILD_MAIN = r"""
def _ftkit_probe(name):
    import importlib  # not json: it imports re, which costs more than the import under test
    out = {"gil_at_start": gil_enabled(), "error": None}
    watcher = None if out["gil_at_start"] else Watcher(lambda flip: None).install()
    try:
        importlib.import_module(name)
    except BaseException as e:  # SystemExit and KeyboardInterrupt from a module body count too
        out["error"] = type(e).__name__ + ": " + str(e)
    out["gil_after"] = gil_enabled()
    out["flip"] = watcher.flip.to_dict() if watcher is not None and watcher.flip else None
    try:
        sys.stdout.flush()
    except Exception:
        pass
    os.write(1, ("\n" + MARKER + repr(out) + "\n").encode())
    os._exit(0)  # finalisation crashes are not import results
_ftkit_probe(sys.argv[1])
"""


def child_source() -> str:
    return Path(hook.__file__).read_text() + f"\nMARKER = {MARKER!r}\n" + _CHILD_MAIN


@dataclass
class Outcome:
    """What one probe saw. status: gil-off | gil-enabled | gil-enabled-by | import-error | crashed
    | hung | exited."""

    mode: str
    status: str
    seconds: float
    detail: str = ""  # error message, signal name, exit code, or the module that enabled the GIL
    chain: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    error: str | None = None  # an import error seen after the GIL flip (the flip is reported first)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "status": self.status, "seconds": round(self.seconds, 4),
                "detail": self.detail, "chain": self.chain, "nested": self.nested,
                "stderr": self.stderr, "error": self.error}


def clean_environment(base: dict) -> dict:
    """The caller's environment minus what would change or defeat the check."""
    drop = ("PYTHON_GIL", hook.ENV_VAR, "PYTHONWARNINGS", "PYTHONSTARTUP")
    return {k: v for k, v in base.items() if k not in drop}


def run_probe(python: str, module: str, mode: str, env: dict, cwd: str, timeout: float,
              source: str | None = None) -> Outcome:
    env = env | MODES[mode]
    cmd = [python, "-X", "faulthandler", "-c", source or child_source(), module]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return Outcome(mode, "hung", time.perf_counter() - start, f"no answer within {timeout:g}s",
                       stderr=_tail(err))
    seconds = time.perf_counter() - start
    tail = _tail(err)
    if proc.returncode < 0:
        # faulthandler's report starts with the fatal error and the Python stack: keep the head.
        head = err.decode(errors="replace").splitlines()[:_STDERR_LINES]
        return Outcome(mode, "crashed", seconds, _signal_name(-proc.returncode), stderr=head)
    line = next((ln for ln in reversed(out.decode(errors="replace").splitlines()) if ln.startswith(MARKER)),
                None)
    if line is None:
        return Outcome(mode, "exited", seconds, f"exit code {proc.returncode}", stderr=tail)
    result = ast.literal_eval(line[len(MARKER):])
    flip = result["flip"]
    if flip is not None:
        chain = [c for c in flip["chain"] if not c.startswith("<string>")]
        status = "gil-enabled" if flip["module"] == module else "gil-enabled-by"
        return Outcome(mode, status, seconds, flip["module"], chain, flip["nested"], tail, result["error"])
    if result["error"] is not None:
        return Outcome(mode, "import-error", seconds, result["error"], stderr=tail)
    if result["gil_after"] and not result["gil_at_start"]:  # loaded outside ExtensionFileLoader
        return Outcome(mode, "gil-enabled-by", seconds, "an extension module loaded by a custom loader",
                       stderr=tail)
    return Outcome(mode, "gil-off", seconds, stderr=tail)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the module may have started children of its own
    except ProcessLookupError:
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _tail(err: bytes) -> list[str]:
    return err.decode(errors="replace").splitlines()[-_STDERR_LINES:]
