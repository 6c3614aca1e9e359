"""The runner part of every repro script `ftkit stress` writes (repro.py appends it, from RUNNER on).

Above the marker, repro.py writes the scenario's code instead of these placeholders: factory(),
the operations by name (OPS), the plan (PLAN: per thread, (name, args) pairs) and invariant
(None when the scenario has none). A script runs the plan RUNS times on long-lived threads and
exits 1 with the evidence when results are ones no serial order of the same calls produces
(checked by brute force: minimised plans are small) or the invariant breaks; a crash kills it.
When `ftkit stress` runs the script as a check (repro_check.py), the environment variable named
RESULT_ENV carries a pipe for one JSON line saying how it ended; run by hand, it has none.
"""
import json
import os
import sys
import threading

factory = OPS = PLAN = invariant = RESULT_ENV = None  # written by repro.py
# RUNNER
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def outcome(value):
    return value if isinstance(value, tuple) and value[:1] == ("raise",) else ("value", repr(value))


def call(obj, name, args):
    try:
        return outcome(OPS[name](obj, *args))
    except NameError as e:
        if broken_here(e):
            raise  # code the script failed to copy, not the operation's behaviour: the script is broken
        return ("raise", type(e).__name__)  # raised inside the library (an UnboundLocalError, say)
    except Exception as e:
        return ("raise", type(e).__name__)


def broken_here(e):
    """The NameError comes from this script's own code (a name it failed to copy)."""
    tb = e.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename == __file__


def interleavings(counts, prefix=()):
    """Every merge of the threads' programs that keeps each thread's own order."""
    if not any(counts):
        yield prefix
    for t, left in enumerate(counts):
        if left:
            nxt = list(counts)
            nxt[t] -= 1
            yield from interleavings(nxt, prefix + ((t, len(PLAN[t]) - left),))


def serial_outcomes():
    """Every result tuple some serial order of the plan produces."""
    slots = [(t, i) for t, ops in enumerate(PLAN) for i in range(len(ops))]
    seen = set()
    for order in interleavings([len(ops) for ops in PLAN]):
        obj, got = factory(), {}
        for t, i in order:
            got[(t, i)] = call(obj, *PLAN[t][i])
        seen.add(tuple(got[s] for s in slots))
    return seen


def invariant_broken(obj):
    """Why the scenario's invariant fails on obj, or None (also when it declares none)."""
    if invariant is None:
        return None
    try:
        ok = invariant(obj)
    except Exception as e:
        return f"raised {type(e).__name__}: {e}"
    return None if ok or ok is None else "returned False"


def serial_orders():
    """How many serial orders the plan has: (total ops)! / (each thread's ops)!..."""
    total, count = 0, 1
    for ops in PLAN:
        for k in range(1, len(ops) + 1):
            total += 1
            count = count * total // k
    return count


MAX_ORDERS = 200_000  # beyond this, trying every serial order takes longer than the runs


def main():
    orders = serial_orders()
    allowed = serial_outcomes() if orders <= MAX_ORDERS else None
    if allowed is None:
        print(f"the plan has {orders} serial orders, too many to try each: only crashes and the invariant count")
    # threading.Barrier wakes threads microseconds apart, which closes narrow race windows, so
    # after it the threads meet again at a spin barrier: the last to arrive releases the others.
    start, done = threading.Barrier(len(PLAN) + 1), threading.Barrier(len(PLAN) + 1)
    shared, results, go, arrived, lock = [None], {}, [-1], [0], threading.Lock()

    def worker(t):
        for run in range(RUNS):
            start.wait()
            with lock:
                arrived[0] += 1
                last = arrived[0] == len(PLAN) * (run + 1)
            if last:
                go[0] = run
            while go[0] != run:
                pass
            for i, (name, args) in enumerate(PLAN[t]):
                results[(t, i)] = call(shared[0], name, args)
            done.wait()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(len(PLAN))]
    for th in threads:
        th.start()
    slots = [(t, i) for t, ops in enumerate(PLAN) for i in range(len(ops))]
    for run in range(RUNS):
        shared[0] = factory()
        start.wait()
        done.wait()
        got = tuple(results[s] for s in slots)
        broken = invariant_broken(shared[0])
        if broken:
            print(f"run {run}: the scenario's invariant {broken} after the plan ran")
            finish(run, f"the invariant {broken}")
        if allowed is not None and got not in allowed:
            print(f"run {run}: results no serial order produces:")
            for (t, i), r in zip(slots, got):
                name, args = PLAN[t][i]
                shown = r[1] if r[0] == "value" else "raise " + r[1]
                print(f"  thread {t}: {name}({', '.join(map(repr, args))}) -> {shown}")
            finish(run, "results no serial order produces")
    print(f"not reproduced in {RUNS} runs")
    finish(RUNS, None)


def finish(runs, reproduced):
    """Exit 1 if reproduced, else 0; first tell `ftkit stress`, if it is the one running this."""
    fd = os.environ.pop(RESULT_ENV, "")
    if fd:
        os.write(int(fd), (json.dumps({"runs": runs, "reproduced": reproduced}) + "\n").encode())
    sys.exit(1 if reproduced else 0)


if __name__ == "__main__":
    main()
