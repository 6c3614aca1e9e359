"""The default strategy, `adaptive`: per trial, pick one of the plan strategies (random, pct,
collide), shifting the budget toward the ones whose trials made operations overlap.

A race shows only when two operations run at the same time, with their racy windows lined up;
a trial whose operations never overlapped could not have shown one. So each trial is scored by
how many pairs of operations from different threads, at least one of them mutating, overlapped
in time (the engine's call/return stamps), as a share of all such pairs; a strategy is then
chosen by UCB1 (Auer et al. 2002) over those scores, with a quarter of the trials kept for
uniform exploration so no strategy starves. The choice uses the run's own observations, so it
is not a function of (seed, trial) alone: the strategy a trial ran with is recorded (in the
progress file, the finding, the replay command), and `--strategy S --first-trial T --trials 1`
replays that trial's plan exactly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

ARMS = ("collide", "random", "pct")  # the strategies `adaptive` chooses from
EXPLORE = 0.25


class Adaptive:
    def __init__(self, seed: int, arms: Sequence[str] = ARMS) -> None:
        self.arms = tuple(arms)
        self.rng = random.Random(seed * 0x9E3779B1 + 17)
        self.tries = [0] * len(self.arms)
        self.score = [0.0] * len(self.arms)

    def pick(self) -> str:
        """The strategy of the next trial: each once first, then UCB1 or, at times, any."""
        for i, n in enumerate(self.tries):
            if n == 0:
                return self.arms[i]
        if len(self.arms) == 1 or self.rng.random() < EXPLORE:
            return self.rng.choice(self.arms)
        total = sum(self.tries)
        best = max(range(len(self.arms)), key=lambda i: self.score[i] / self.tries[i]
                   + math.sqrt(2 * math.log(total) / self.tries[i]))
        return self.arms[best]

    def record(self, arm: str, reward: float) -> None:
        i = self.arms.index(arm)
        self.tries[i] += 1
        self.score[i] += reward

    def tried(self) -> dict[str, int]:
        return {a: n for a, n in zip(self.arms, self.tries) if n}


MAX_SPANS = 48  # a long trial is scored on its first operations (the pairs grow as n^2)


def overlap(times: Sequence[Sequence[tuple[int, int]]], kinds: Sequence[Sequence[int]],
            mutates: Sequence[bool]) -> tuple[float, set[tuple[int, int]]]:
    """Share of the pairs of operations from different threads, one of them mutating, whose
    [call, return] intervals overlap (0 when the threads ran one after the other), and which
    pairs of operation kinds overlapped (each pair sorted)."""
    spans = sorted((call, ret, t, k) for t, (row, ks) in enumerate(zip(times, kinds))
                   for (call, ret), k in zip(row, ks))[:MAX_SPANS]
    pairs = hits = 0
    seen: set[tuple[int, int]] = set()
    for i, (_, ret_a, t_a, k_a) in enumerate(spans):
        for call_b, _, t_b, k_b in spans[i + 1:]:
            if t_a == t_b or not (mutates[k_a] or mutates[k_b]):
                continue
            pairs += 1
            if call_b <= ret_a:  # spans are sorted by call: b starts while a runs
                hits += 1
                seen.add((min(k_a, k_b), max(k_a, k_b)))
    return (hits / pairs if pairs else 0.0), seen
