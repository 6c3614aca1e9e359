"""python-flint's nmod_poly: coefficient writes (growing the polynomial) against evaluation."""
import flint

from ftkit.stress import Scenario, ints

P = 1000003
scenario = Scenario(lambda: flint.nmod_poly([1, 2, 3], P))


@scenario.op(args=[ints(0, 48), ints(1, P - 1)], name="set")
def set_coefficient(p, k, v):
    p[k] = v


scenario.op(lambda p: int(p(3)), mutates=False, name="eval")
scenario.op(lambda p: p.degree(), mutates=False, name="degree")
