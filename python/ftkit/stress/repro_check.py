"""A written repro script, run once on its own through the shared runner: does it reproduce?

Issue 17: scripts were written that could not run at all (a NameError before racing anything)
and nothing said so. The check runs the script as a user would, in a fresh interpreter, for
CHECK_RUNS runs; the script tells how it ended on the runner's result channel, and a crash is
the signal that killed it.
"""

from __future__ import annotations

from ..children import run_child

CHECK_RUNS = 2000
CHECK_SECONDS = 60.0


def check(python: str, script: str) -> tuple[bool, str]:
    """(the script runs, what it showed) in words for the report."""
    child = run_child(python, script, [str(CHECK_RUNS)], timeout=CHECK_SECONDS)
    result = child.result if isinstance(child.result, dict) else {}
    if child.signal is not None:
        return True, f"reproduced on its own: the script crashed ({child.signal})"
    if child.returncode == 1 and result.get("reproduced"):
        return True, f"reproduced on its own in run {result['runs']} of {CHECK_RUNS}: {result['reproduced']}"
    if child.returncode == 0 and "runs" in result:
        return True, (f"not reproduced on its own in {CHECK_RUNS} runs (chance: run it longer, "
                      f"`python {script} 200000`)")
    if child.timed_out:
        return True, f"not reproduced on its own within {CHECK_SECONDS:g} s"
    return False, f"the script fails on its own: {child.describe()}"
