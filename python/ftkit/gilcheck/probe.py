"""Import one module in a fresh interpreter process and say what happened to the GIL.

One process per (module, mode): CPython warns only for the first module that needs the GIL
(DESIGN.md), and a crash or hang must cost only that probe. The child is the runner's
children/import_probe.py, which loads ftkit.strict.hook from its file (stdlib only, so the target
interpreter needs no ftkit) and answers on the runner's result channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..children import run_child
from ..strict import hook

MODES = {"default": {}, "PYTHON_GIL=0": {"PYTHON_GIL": "0"}}
REQUIRES_GIL_LINE = "# loading module '{}', which requires the GIL"  # Python/import.c, under -v
_STDERR_LINES = 15


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
    # Judged alone (alone()): the module that turned the GIL on when it was imported with its package,
    # and that import's chain; or why creating it alone failed, leaving the import's verdict.
    via: str | None = None
    via_chain: list[str] = field(default_factory=list)
    alone_error: str | None = None

    def to_dict(self) -> dict:
        return {"mode": self.mode, "status": self.status, "seconds": round(self.seconds, 4),
                "detail": self.detail, "chain": self.chain, "nested": self.nested,
                "stderr": self.stderr, "error": self.error, "via": self.via, "via_chain": self.via_chain,
                "alone_error": self.alone_error}

    @property
    def hidden(self) -> bool:
        """Another module turned the GIL on first, so this import cannot show the module's own declaration."""
        return self.status == "gil-enabled-by"


def clean_environment(base: dict) -> dict:
    """The caller's environment minus what would change or defeat the check."""
    drop = ("PYTHON_GIL", hook.ENV_VAR, "PYTHONWARNINGS", "PYTHONSTARTUP")
    return {k: v for k, v in base.items() if k not in drop}


def run_probe(python: str, module: str, mode: str, env: dict, cwd: str, timeout: float,
              path: str | None = None) -> Outcome:
    """Import module (or, given its file's path, only create it from that file) in a fresh process."""
    # Created alone, its init may itself import a module that turns the GIL on first (greenlet's test
    # modules import greenlet._greenlet): CPython's -v line then still says whether this one needs it.
    verbose = ("-v",) if path and mode == "default" else ()
    child = run_child(python, "import_probe", [module, *([path] if path else [])], env | MODES[mode], timeout,
                      cwd, python_args=("-X", "faulthandler", *verbose))
    seconds, tail = child.seconds, child.stderr.tail_lines(_STDERR_LINES)
    if child.timed_out:
        return Outcome(mode, "hung", seconds, f"no answer within {timeout:g}s", stderr=tail)
    if child.signal is not None:
        # faulthandler's report starts with the fatal error and the Python stack: keep the head.
        return Outcome(mode, "crashed", seconds, child.signal, stderr=child.stderr.head_lines(_STDERR_LINES))
    result = child.result
    if not isinstance(result, dict):  # it exited (os._exit in a module body, say) before answering
        detail = f"exit code {child.returncode}" if child.start_error is None else child.describe()
        return Outcome(mode, "exited", seconds, detail, stderr=tail)
    flip = result["flip"]
    if flip is not None and verbose and flip["module"] != module and result["error"] is None:
        # _PyImport_CheckGILForModule prints this for each module that needs the GIL, even when it is
        # already on (Python/import.c, default mode with -v); created without error, its absence means
        # the module declares support. The line ends our child's output: only the answer follows.
        own = REQUIRES_GIL_LINE.format(module) in child.stderr.text()
        return Outcome(mode, "gil-enabled" if own else "gil-off", seconds, module if own else "", stderr=tail,
                       via=flip["module"], via_chain=flip["chain"])
    if flip is not None:
        status = "gil-enabled" if flip["module"] == module else "gil-enabled-by"
        return Outcome(mode, status, seconds, flip["module"], flip["chain"], flip["nested"], tail, result["error"])
    if result["error"] is not None:
        return Outcome(mode, "import-error", seconds, result["error"], stderr=tail)
    if result["gil_after"] and not result["gil_at_start"]:  # loaded outside ExtensionFileLoader
        return Outcome(mode, "gil-enabled-by", seconds, "an extension module loaded by a custom loader",
                       stderr=tail)
    return Outcome(mode, "gil-off", seconds, stderr=tail)


def alone(imported: Outcome, created: Outcome) -> Outcome:
    """The verdict of a module whose import was hidden (imported.hidden), from creating it alone.

    CPython decides on the GIL when it creates the module object (_imp.create_dynamic runs the init
    function, then _PyImport_CheckGILForModule, Python/import.c), before its exec step and without its
    package, so `created` is the module's own declaration; the import's culprit stays as context.
    Creating alone can fail where importing works (gemmi's nanobind module crashes without its
    package): the import's verdict then stands, saying why the module's own was not seen.
    """
    if created.status not in ("gil-off", "gil-enabled", "gil-enabled-by"):
        return replace(imported, alone_error=f"{_WHY[created.status]}: {created.detail}")
    return replace(created, seconds=imported.seconds + created.seconds, via=created.via or imported.detail,
                   via_chain=created.via_chain if created.via else imported.chain, error=imported.error,
                   stderr=imported.stderr)


_WHY = {"import-error": "it raised", "crashed": "it crashed", "hung": "it hung", "exited": "it exited"}
