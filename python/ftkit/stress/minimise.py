"""Shrinking a failing plan: greedy delta debugging over threads, operation kinds and single steps.

A plan is a list of threads, each a list of steps (kind, arg_seed, perturbation, amount).
`minimise` keeps each cut after which `still_fails(cut)` holds and starts over from it, until
no cut works or the deadline passes: the result is 1-minimal (Zeller's ddmin, reduced to
single-element removals, which suits plans of 2 x 5 to 4 x 10 steps).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

Plan = list[list[list]]


def candidates(plan: Plan) -> Iterator[Plan]:
    """Smaller plans, biggest cuts first: drop a whole thread, then every step of one kind,
    then one step; a thread left empty is dropped, an empty plan never offered."""
    if len(plan) > 1:
        for t in range(len(plan)):
            yield plan[:t] + plan[t + 1:]
    for kind in sorted({s[0] for t in plan for s in t}):
        cut = [t for t in ([s for s in t if s[0] != kind] for t in plan) if t]
        if cut and cut != plan:
            yield cut
    for t in range(len(plan)):
        for i in range(len(plan[t])):
            cut = [list(x) for x in plan]
            del cut[t][i]
            cut = [x for x in cut if x]
            if cut:
                yield cut


def minimise(plan: Plan, still_fails: Callable[[Plan], bool], deadline: float) -> Plan:
    current = [list(t) for t in plan]
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for cand in candidates(current):
            if time.monotonic() >= deadline:
                break
            if still_fails(cand):
                current, improved = cand, True
                break
    return current
