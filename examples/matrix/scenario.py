"""The seed's race as an `ftkit stress` scenario: M[i, i] = v grows the Matrix while others read it.

Build the variants (tools/demo.sh does), put them on the path, pick one with MATRIX_VARIANT:

    PYTHONPATH=build/demo-matrix ftkit stress examples/matrix/scenario.py        # matrix_unsafe: found
    PYTHONPATH=build/demo-matrix MATRIX_VARIANT=locked ftkit stress examples/matrix/scenario.py  # passes

Each trial starts from an empty Matrix. An assignment past the edge allocates a bigger block,
copies the cells and frees the old one (matrix.hpp), while a get() or det() in another thread may
still be reading it, or a second assignment growing it too: wrong results, a double free or,
past 128 KiB (glibc's mmap threshold; indices up to 150 get there), a read of unmapped memory.
"""
import importlib
import os

from ftkit.stress import Scenario, ints

VARIANT = os.environ.get("MATRIX_VARIANT", "unsafe")  # unsafe | locked | borrow | cy
Matrix = importlib.import_module(f"matrix_{VARIANT}").Matrix

scenario = Scenario(Matrix)


@scenario.op(args=[ints(0, 150), ints(1, 9)], name="set")
def set_diagonal(m, i, v):
    m[i, i] = float(v)


scenario.op(lambda m, i: m[i, i], args=[ints(0, 150)], mutates=False, name="get")
scenario.op(lambda m: m.det(), mutates=False, name="det")
