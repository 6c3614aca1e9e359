"""Hammer one Matrix from many threads: writers grow it, readers take det(); print a JSON verdict.

Usage: python examples/matrix/hammer.py MODULE_DIR MODULE_NAME SECONDS [THREADS]
Run in a child process by tools/demo.sh and tests/test_locks_matrix.py: the unsafe Matrix is
expected to kill it.
Each round starts a fresh Matrix(0); the writers all walk the diagonal k = 0..SIZE-1, so nearly
every write grows the matrix while the readers copy its cells. Cell (i, j) only ever receives the
value i * 10000 + j, so after the round every write that reported success must be visible.
"""

import importlib
import json
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
Matrix = importlib.import_module(sys.argv[2]).Matrix
seconds = float(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 8
SIZE = 160  # 160 x 160 doubles = 200 KiB: above glibc's mmap threshold, so a freed block unmaps

totals = {"rounds": 0, "writes": 0, "reads": 0, "runtime_errors": 0, "lost_writes": 0, "other_errors": []}


def round_():
    m = Matrix(0)
    writers = threads // 2
    start = threading.Barrier(threads)
    writers_done = threading.Event()
    done_writers = []
    written = []  # (i, j) of writes that succeeded
    stats = {"reads": 0, "runtime_errors": 0}
    lock = threading.Lock()

    def record_error(e):
        with lock:
            if isinstance(e, RuntimeError) and str(e).startswith("concurrent mutation of Matrix"):
                stats["runtime_errors"] += 1
            else:
                totals["other_errors"].append(repr(e))

    def writer(w):
        start.wait()
        ok = []
        for k in range(SIZE):
            i, j = k, (k * 7 + w) % (k + 1)
            try:
                m[i, j] = float(i * 10000 + j)
                ok.append((i, j))
            except Exception as e:
                record_error(e)
        with lock:
            written.extend(ok)
            done_writers.append(w)
            if len(done_writers) == writers:
                writers_done.set()

    def reader():
        start.wait()
        n = 0
        while not writers_done.is_set():
            try:
                m.det()
                len(m)
                m[0, 0]
                n += 1
            except Exception as e:
                record_error(e)
        with lock:
            stats["reads"] += n

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    ts += [threading.Thread(target=reader) for _ in range(threads - writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lost = sum(1 for i, j in written if m[i, j] != float(i * 10000 + j))
    totals["rounds"] += 1
    totals["writes"] += len(written)
    totals["reads"] += stats["reads"]
    totals["runtime_errors"] += stats["runtime_errors"]
    totals["lost_writes"] += lost


deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    round_()
totals["other_errors"] = totals["other_errors"][:5]
totals["gil_enabled"] = sys._is_gil_enabled()
print(json.dumps(totals))
