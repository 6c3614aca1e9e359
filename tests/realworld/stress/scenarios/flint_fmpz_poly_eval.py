"""python-flint's fmpz_poly: coefficient writes against evaluation.

p[k] = v past the current length grows the coefficient array (FLINT's fmpz_poly_fit_length
reallocates it), while p(x) in another thread walks the coefficients.
"""
import flint

from ftkit.stress import Scenario, choice, ints

scenario = Scenario(lambda: flint.fmpz_poly([1, 2, 3]))


@scenario.op(args=[ints(0, 48), choice([1, -2, 2**70])], name="set")
def set_coefficient(p, k, v):
    p[k] = v


scenario.op(lambda p: p(3), mutates=False, name="eval")
scenario.op(lambda p: p.degree(), mutates=False, name="degree")
