"""python-flint's nmod_mat (entries modulo a word-size prime): M[0, 0] = v against M.det()."""
import flint

from ftkit.stress import Scenario, ints

N, P = 6, 1000003


def new():
    return flint.nmod_mat(N, N, [(7 * k + 3) % 11 for k in range(N * N)], P)


scenario = Scenario(new)


@scenario.op(args=[ints(0, P - 1)], name="set")
def set_corner(m, v):
    m[0, 0] = v


scenario.op(lambda m: int(m.det()), mutates=False, name="det")
