"""A range set as a pair: bounds() always returns a pair some set() wrote."""
import race_torn_pair

from ftkit.stress import Scenario, ints

scenario = Scenario(race_torn_pair.Range)
scenario.op(lambda r, v: r.set(v, v + 100), args=[ints(1, 99)], name="set")
scenario.op(lambda r: r.bounds(), mutates=False, name="bounds")
