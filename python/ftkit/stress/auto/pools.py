"""Argument pools for `--auto`: small literals, and values of the module's own types.

Every value is code text (`2`, `'a'`, `target.fmpz(2)`), evaluated afresh for each call with the
module bound to `target`: the learner tries it, the generated scenario file writes it as it is,
and no argument object is ever shared between threads (a shared argument would race too, and
the finding would blame the wrong object).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

# One argument: every small literal kind a C method tends to accept or reject quickly; 2 ** 70 is
# a big integer, which bignum types keep in memory they allocate and free (small ones sit in place).
LITERALS = ("0", "1", "2", "3", "-1", "7", "2 ** 70", "0.5", "'a'", "b'ab'", "True", "None", "(0, 0)", "(0, 1)",
            "(1, 1)", "[]", "[1, 2, 3]", "[1, 2, 3, 4]", "{}")
# Two or more arguments: a smaller pool, or the products explode (sizes, a modulus, row-major entries).
CORE = ("2", "3", "7", "[1, 2, 3, 4]")


def constructor_args(most: int | None) -> Iterator[tuple[str, ...]]:
    """Argument tuples to try on a constructor taking at most `most` arguments (None: unknown)."""
    top = 4 if most is None else min(most, 4)
    yield ()
    if top >= 1:
        yield from ((v,) for v in LITERALS)
    for n in range(2, top + 1):
        yield from itertools.product(CORE, repeat=n)


def method_args(fewest: int, most: int | None, instances: list[str]) -> Iterator[tuple[str, ...]]:
    """Argument tuples to try on a method: literals and the module's values, fewest first."""
    top = 3 if most is None else min(most, 3)
    singles = (*LITERALS, *instances)
    for n in range(fewest, top + 1):
        if n == 0:
            yield ()
        elif n == 1:
            yield from ((v,) for v in singles)
        else:  # keys and values (M[i, j] = v), sizes, or one of the module's values then a small one
            # Keys past the edge of a small object, where containers grow (reallocate), in steps:
            # each step is one more reallocation per trial (up to 64 x 64, or a matrix's det
            # slows every trial down more than the extra step helps).
            firsts = ("(0, 0)", "(1, 1)", "(9, 9)", "(17, 17)", "(33, 33)", "(64, 64)", "0", "1", *instances)
            rest = ("0", "1", "2", "7", *instances)
            yield from itertools.product(firsts, *([rest] * (n - 1)))


def spread(candidates: Iterator[tuple[str, ...]], name: str, window: int = 400) -> list[tuple[str, ...]]:
    """The first `window` candidates in a fixed shuffled order (seeded by the method's name), the
    fewest-argument ones first: the working tuples kept then differ in more than their last value."""
    head = list(itertools.islice(candidates, window))
    rng = random.Random(name)
    return sorted(head, key=lambda args: (len(args), rng.random()))


def varied(worked: list[tuple[str, ...]], keep: int) -> list[tuple[str, ...]]:
    """Up to `keep` of the working tuples, different first arguments first (M[0, 0] = v and
    M[64, 64] = v race differently; M[0, 0] = 1 and M[0, 0] = 2 hardly)."""
    firsts, rest = [], []
    for args in worked:
        (rest if any(args[:1] == f[:1] for f in firsts) else firsts).append(args)
    return (firsts + rest)[:keep]
