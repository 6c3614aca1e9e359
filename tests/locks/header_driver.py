"""Run the compiled header test module under one interpreter; prints one JSON line of results.

Usage: python header_driver.py DIR  (DIR holds ftkit_locks_header_test for this interpreter).
Runs in a child process of the test (tests/test_locks_header.py), so a deadlock is a timeout
there and a GIL-enabling import cannot reach the pytest process.
"""

import json
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
import ftkit_locks_header_test as t

THREADS = 16
results = {"features": t.features(), "checks": []}


def check(name, fn):
    fn()
    results["checks"].append(name)


check("refs", t.check_refs)
check("critical_section", t.check_critical_sections)

if results["features"]["cplusplus"]:
    check("mutex", t.check_mutex)

    def mutex_releases_gil():
        # Thread A holds the mutex while running Python code (sleep + bytecode); the main thread
        # blocks on the same mutex meanwhile. Without releasing the GIL while blocked, A could
        # never get the GIL back to finish: the process would hang (the test's timeout).
        entered = threading.Event()

        def hold():
            entered.set()
            time.sleep(0.2)
            return sum(range(1000))

        a = threading.Thread(target=t.hold_mutex, args=(hold,))
        a.start()
        entered.wait()
        t.lock_unlock()
        a.join()

    check("mutex_releases_gil", mutex_releases_gil)

    def once_runs_once():
        # The first initialiser fails (returns False): the once stays open and a later call retries.
        try:
            t.once_call(lambda: False)
        except ValueError:
            pass
        else:
            raise AssertionError("a failing initialiser must raise")
        assert not t.once_done()
        calls = []
        barrier = threading.Barrier(THREADS)

        def init():
            calls.append(1)
            time.sleep(0.05)  # keep the others waiting inside once
            return True

        ran = []

        def worker():
            barrier.wait()
            ran.append(t.once_call(init))

        workers = [threading.Thread(target=worker) for _ in range(THREADS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert len(calls) == 1, calls
        assert ran.count(True) == 1 and len(ran) == THREADS, ran
        assert t.once_done()

    check("once", once_runs_once)
    results["borrow_guard_active"] = t.check_borrow()
    results["checks"].append("borrow_guard")

results["gil_enabled"] = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
print(json.dumps(results))
