"""A running total: every add() returns the total after it, so two adds never see the same one."""
import race_lost_update

from ftkit.stress import Scenario, ints

scenario = Scenario(race_lost_update.Total, fingerprint=lambda t: t.get())
scenario.op(lambda t, n: t.add(n), args=[ints(1, 1000)], name="add")
scenario.op(lambda t: t.get(), mutates=False, name="get")
