"""A linked stack of references: pops must not hand out the same node twice."""
import fstack

from ftkit.stress import Scenario, ints

scenario = Scenario(fstack.Stack)
scenario.op(lambda s, v: s.push([v]), args=[ints(0, 99)], name="push")
scenario.op(lambda s: s.pop(), name="pop")
