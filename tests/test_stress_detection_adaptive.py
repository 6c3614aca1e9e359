"""The adaptive strategy's parts without threads: the overlap score, the choice of strategy, and
the allocator's time slices (python/ftkit/stress/adaptive.py, driver.allocator_slice)."""

from __future__ import annotations

from ftkit.stress.adaptive import ARMS, Adaptive, overlap
from ftkit.stress.driver import allocator_slice


def test_overlap_counts_cross_thread_pairs_with_a_mutation():
    # Thread 0: op kind 0 (mutates) at [0, 10], kind 1 (reads) at [20, 30]; thread 1: a read at [5, 25].
    times = [[(0, 10), (20, 30)], [(5, 25)]]
    kinds = [[0, 1], [1]]
    share, pairs = overlap(times, kinds, [True, False])
    # Eligible pairs: (write@0, read@5) overlaps; (read@20, read@5) has no mutation: not counted.
    assert share == 1.0 and pairs == {(0, 1)}
    share, pairs = overlap([[(0, 10)], [(11, 20)]], [[0], [0]], [True])
    assert share == 0.0 and pairs == set()  # one after the other
    assert overlap([[(0, 10)], [(10, 20)]], [[0], [0]], [True])[0] == 1.0  # closed intervals


def test_adaptive_tries_every_strategy_then_favours_the_one_that_overlaps():
    chooser = Adaptive(seed=3)
    first = []
    for _ in ARMS:
        first.append(chooser.pick())
        chooser.record(first[-1], 0.0)
    assert sorted(first) == sorted(ARMS)
    picks = []
    for _ in range(600):
        arm = chooser.pick()
        chooser.record(arm, 0.9 if arm == "pct" else 0.05)
        picks.append(arm)
    assert picks.count("pct") > 0.6 * len(picks)
    assert all(picks.count(a) > 0 for a in ARMS)  # exploration never stops


def test_the_same_seed_and_rewards_choose_the_same_strategies():
    def run(seed):
        c, out = Adaptive(seed), []
        for i in range(50):
            arm = c.pick()
            c.record(arm, (i % 7) / 7)
            out.append(arm)
        return out

    assert run(5) == run(5)


def test_allocator_slices_alternate_and_double():
    assert allocator_slice(0.0) == (2.0, False)
    assert allocator_slice(2.5) == (1.5, True)
    assert allocator_slice(4.0) == (4.0, False)
    assert allocator_slice(9.0) == (3.0, True)
    assert allocator_slice(12.0) == (8.0, False)
