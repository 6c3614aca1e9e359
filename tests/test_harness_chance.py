"""harness.chance.found_in: stops at k hits, fails naming the misses, never runs a hopeless seed."""

from __future__ import annotations

import pytest

from harness.chance import found_in


def test_stops_after_k_hits():
    tried = []

    def attempt(seed):
        tried.append(seed)
        return seed % 2 == 1, f"r{seed}"

    assert found_in(2, [1, 2, 3, 4, 5], attempt) == ["r1", "r3"]
    assert tried == [1, 2, 3]


def test_fails_naming_misses_and_stops_when_k_is_out_of_reach():
    tried = []

    def attempt(seed):
        tried.append(seed)
        return seed == 3, {"passed": 100}

    with pytest.raises(AssertionError, match=r"found in 0 of 2 seeds tried, 2 of 3 needed; misses: "
                                             r"\[\(1, \{'passed': 100\}\), \(2, \{'passed': 100\}\)\]"):
        found_in(2, [1, 2, 3], attempt)
    assert tried == [1, 2]  # seed 3 could not make 2 hits any more


def test_k_must_fit_the_seeds():
    with pytest.raises(ValueError, match="k must be 1..2"):
        found_in(3, [1, 2], lambda seed: (True, seed))
