"""`ftkit bench` workload: what each way of making the Matrix thread-safe costs (docs/bench.md).

Build the variants for every interpreter compared into one folder, then run:

    python examples/matrix/build.py build/bench-matrix "$(ftkit bootstrap --print-path 3.14t)" \\
        "$(ftkit bootstrap --print-path 3.14)"
    ftkit bench examples/matrix/bench.py --path build/bench-matrix

One unit of work reads a 12 x 12 Matrix the way a numeric library's users do: its determinant
(Gaussian elimination on a copy of the cells), a few cells and its size. In "private" mode every
thread has its own Matrix (no contention: the lock's bare cost, and how the work scales); in
"shared" mode all threads read one Matrix (the per-object lock and the global mutex serialise
them, the borrow guard lets readers in together). Reads only: the borrow guard's stance is that a
shared Matrix is read-only, so a write racing a read would raise RuntimeError, by design.
"""
import importlib

VARIANTS = ("unsafe", "locked", "global", "borrow")
BASELINE = "unsafe"  # lock cost = unsafe's throughput / the variant's, measured side by side
MODES = ("private", "shared")
SIZE = 12


def setup(variant):
    m = importlib.import_module(f"matrix_{variant}").Matrix(SIZE)
    for i in range(SIZE):
        for j in range(SIZE):
            m[i, j] = float((i * 7 + j * 3) % 11) + (10.0 if i == j else 0.0)
    return m


def work(m):
    m.det()
    m[3, 4]
    m[SIZE - 1, SIZE - 1]
    len(m)
