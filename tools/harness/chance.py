"""Assertions for what depends on thread interleavings: "found in k of n seeds", never "within T seconds".

A race shows up by chance, and a busy machine only slows it down: a test gives each seed a budget
of trials (not of seconds) and asks that at least k seeds out of n find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable, TypeVar

T = TypeVar("T")


def found_in(k: int, seeds: Sequence[int], attempt: Callable[[int], tuple[bool, T]]) -> list[T]:
    """Run attempt(seed) -> (found, result) over seeds in order, stopping once k found; assert k did.

    Returns the results of the seeds that found (k of them); the failure names every miss.
    """
    if not 0 < k <= len(seeds):
        raise ValueError(f"k must be 1..{len(seeds)}, not {k}")
    hits: list[T] = []
    misses: list[tuple[int, T]] = []
    for seed in seeds:
        found, result = attempt(seed)
        if found:
            hits.append(result)
            if len(hits) == k:
                return hits
        else:
            misses.append((seed, result))
        if len(misses) > len(seeds) - k:
            break  # k can no longer be reached
    raise AssertionError(f"found in {len(hits)} of {len(hits) + len(misses)} seeds tried, {k} of "
                         f"{len(seeds)} needed; misses: {misses}")
