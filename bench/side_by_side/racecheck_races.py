"""The race corpus written for racecheck as its README shows: check(setup=, ops=, invariant=,
trials=); an operation acts through the shared state, the invariant judges the final state.
Reads that must return a consistent value record what they saw in the state, for the invariant.
Run: python racecheck_races.py RACE  (exit 1 when racecheck reports a violation)."""
import importlib
import sys

from racecheck import check

RACE = sys.argv[1]
mod = importlib.import_module(f"race_{RACE}")


class State:
    def __init__(self, obj):
        self.obj, self.seen = obj, []


def many(fn, n=20):
    return lambda s: [fn(s) for _ in range(n)]


LABEL = "item #{n} of 100 ({n:.2f}%)"
CASES = {
    "resize": (lambda: State(mod.Buffer()),
               [many(lambda s: (s.obj.append(1.0), s.seen.append(s.obj.total()))) for _ in range(2)],
               lambda s: s.obj.total() == 40.0 and all(v == int(v) and 1 <= v <= 40 for v in s.seen)),
    "lost_update": (lambda: State(mod.Total()), [many(lambda s: s.obj.add(1)) for _ in range(2)],
                    lambda s: s.obj.get() == 40),
    "borrowed": (lambda: State(mod.Bag()),
                 [many(lambda s: s.obj.add(7)), many(lambda s: s.obj.clear()),
                  many(lambda s: s.seen.append(_first(s.obj)))],
                 lambda s: all(v in (None, "name-7!") for v in s.seen)),
    "scratch": (lambda: State(mod),
                [many(lambda s, n=n: s.seen.append((n, s.obj.label(n)))) for n in (1, 2)],
                lambda s: all(text == LABEL.format(n=n) for n, text in s.seen)),
    "ring": (lambda: State(mod.Ring()),
             [lambda s: [s.obj.put(i) for i in range(4)], lambda s: [s.obj.put(i) for i in range(4, 8)]],
             lambda s: sorted(s.obj.get() for _ in range(8)) == list(range(8))),
    "registry": (lambda: (mod.reset(), State(mod))[1],
                 [lambda s: s.obj.register("a"), lambda s: s.obj.register("b")],
                 lambda s: s.obj.registered("a") and s.obj.registered("b")),
    "torn_pair": (lambda: State(mod.Range()),
                  [lambda s: [s.obj.set(v, v + 100) for v in range(1, 40)],
                   many(lambda s: s.seen.append(s.obj.bounds()))],
                  lambda s: all(hi - lo in (0, 100) and (lo, hi) != (0, 100) for lo, hi in s.seen)),
}


def _first(bag):
    try:
        return bag.first()
    except IndexError:
        return None


setup, ops, invariant = CASES[RACE]
result = check(setup=setup, ops=ops, invariant=invariant, trials=2000)
print(result.report() if not result.ok else "ok")
sys.exit(0 if result.ok else 1)
