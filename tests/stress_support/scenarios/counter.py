"""Lost updates: concurrent incr() calls must each return a distinct value."""
import fcounter

from ftkit.stress import Scenario

scenario = Scenario(fcounter.Counter, fingerprint=lambda c: c.get())
scenario.op(lambda c: c.incr(), name="incr")
scenario.op(lambda c: c.get(), mutates=False, name="get")
