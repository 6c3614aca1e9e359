"""The minimiser's candidate generator and greedy loop, with a predicate instead of processes."""

from __future__ import annotations

import time

from ftkit.stress.minimise import candidates, minimise

A, B, C = [0, 1, "none", 0], [1, 2, "none", 0], [0, 3, "none", 0]


def test_candidates_cut_threads_then_kinds_then_single_steps():
    plan = [[A, B], [C]]
    assert list(candidates(plan)) == [
        [[C]], [[A, B]],          # whole threads
        [[B]], [[A], [C]],        # every step of kind 0, then of kind 1
        [[B], [C]], [[A], [C]], [[A, B]],  # single steps (an emptied thread goes)
    ]


def test_candidates_never_offer_an_empty_plan_or_the_plan_itself():
    assert list(candidates([[A]])) == []
    assert all(c and c != [[A, A]] for c in candidates([[A, A]]))


def test_minimise_keeps_cuts_that_still_fail_until_one_minimal():
    # Fails while thread 0 still has a kind-1 step and some other thread has a step.
    def still_fails(plan):
        return len(plan) > 1 and any(s[0] == 1 for s in plan[0])

    plan = [[A, B, A], [C, C], [A]]
    assert minimise(plan, still_fails, time.monotonic() + 10) == [[B], [A]]


def test_minimise_stops_at_the_deadline():
    calls = []
    out = minimise([[A, B], [C]], lambda p: calls.append(p) or True, time.monotonic() - 1)
    assert out == [[A, B], [C]] and calls == []
