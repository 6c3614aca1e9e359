"""A growable array: appends that reallocate its storage, against sums reading it."""
import race_resize

from ftkit.stress import Scenario, ints

scenario = Scenario(race_resize.Buffer, fingerprint=lambda b: (b.size(), b.total()))
scenario.op(lambda b, v: b.append(float(v)), args=[ints(1, 9)], name="append")
scenario.op(lambda b: b.total(), mutates=False, name="total")
