"""Is an --auto crash or hang a race, or the method's own? Run the trial's calls on one thread.

A trial of a generated scenario that crashed or hung is replayed serially (ftkit.children's
serial_plan program: one thread's calls, then another's, ... on one fresh object), in each order
of its threads. If one order dies or hangs too, the last call it started is the culprit, alone
and single-threaded: run.py excludes its method and races the type again without it (issue 17:
never blamed on a race).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

from ...children import run_child
from ..data import CRASH, HANG, StressFinding

ORDERS = 6  # thread orders tried: every order of 2 or 3 threads


def culprit(python: str, scenario: Path, finding: StressFinding, timeout: float) -> tuple[str, str] | None:
    """(method, why) when the finding's calls fail on one thread too, in some order of its threads
    (each thread's calls kept in order; at most ORDERS orders), else None: a race."""
    if finding.verdict not in (CRASH, HANG) or not finding.steps:
        return None
    for order in itertools.islice(itertools.permutations(range(len(finding.steps))), ORDERS):
        found = _serially(python, scenario, [finding.steps[t] for t in order], timeout)
        if found:
            method, call, how = found
            threads = ", ".join(map(str, order))
            return method, (f"{'hangs' if how.startswith('did not') else 'crashes'} alone, single-threaded: "
                            f"{call} {how}, after the calls before it in trial {finding.trial}'s threads "
                            f"{threads}, run one at a time")
    return None


def _serially(python: str, scenario: Path, plan: list, timeout: float) -> tuple[str, str, str] | None:
    with tempfile.TemporaryDirectory(prefix="ftkit-auto-alone-") as work:
        plan_file, journal = Path(work) / "plan.json", Path(work) / "journal.txt"
        plan_file.write_text(json.dumps(plan))
        child = run_child(python, "serial_plan", [str(scenario), str(plan_file), str(journal)], timeout=timeout)
        lines = journal.read_text(encoding="utf-8", errors="replace").splitlines() if journal.is_file() else []
    if not (child.signal or child.timed_out) or not lines:
        return None  # fine on one thread
    method, _, call = lines[-1].partition("\t")
    return method, call, (f"did not return in {timeout:g} s" if child.timed_out else
                          f"killed the process ({child.signal})")
