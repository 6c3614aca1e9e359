"""A bounded queue: every item put is got once, in order."""
import race_ring

from ftkit.stress import Scenario, ints

scenario = Scenario(race_ring.Ring)
scenario.op(lambda q, v: q.put(v), args=[ints(0, 99)], name="put")
scenario.op(lambda q: q.get(), name="get")
