"""A label formatter: label(n) is a pure function of n, whichever thread calls it."""
import race_scratch

from ftkit.stress import Scenario, ints

scenario = Scenario(lambda: race_scratch)
scenario.op(lambda mod, n: mod.label(n), args=[ints(0, 99)], mutates=False, name="label")
