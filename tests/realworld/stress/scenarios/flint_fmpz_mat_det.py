"""python-flint's fmpz_mat, the seed's question: M[0, 0] = v in one thread, M.det() in another.

Values alternate between small integers (stored in place) and big ones (2**70 and up: FLINT keeps
them as GMP integers it allocates, and frees when a small value replaces them), so an assignment
can free the memory a concurrent det() is reading.
"""
import flint

from ftkit.stress import Scenario, choice

N = 6


def new():
    return flint.fmpz_mat(N, N, [(7 * k + 3) % 11 - 5 for k in range(N * N)])


scenario = Scenario(new)


@scenario.op(args=[choice([0, 1, -3, 2**70, -(2**90) + 1, 3**80])], name="set")
def set_corner(m, v):
    m[0, 0] = v


scenario.op(lambda m: m.det(), mutates=False, name="det")
