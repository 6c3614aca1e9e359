"""The seed's matrix race: one thread sets an entry, another takes the determinant."""
import fmatrix

from ftkit.stress import Scenario, ints

scenario = Scenario(lambda: fmatrix.Matrix(3),
                    fingerprint=lambda m: tuple(m.get(i, j) for i in range(3) for j in range(3)))
scenario.op(lambda m, v: m.set(0, 0, v), args=[ints(1, 9)], name="set")
scenario.op(lambda m: m.det(), mutates=False, name="det")
