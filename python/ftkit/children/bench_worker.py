"""Child program: time one point of an `ftkit bench` workload (a variant, a mode, N threads) and answer.

argv: one JSON object {"workload", "path", "request": "describe" | "measure", "variant", "mode",
"threads", "loops" (None: calibrate), "values", "min_time"}. Run by ftkit.bench.run, one process
per sample, under each interpreter compared (3.14t, 3.14t with PYTHON_GIL=1, the GIL build): those
have no ftkit and no pyperf installed, so this is stdlib only and times with perf_counter itself.
pyperf's statistics are applied in the parent (ftkit/bench/stats.py).

A value: every thread waits on one barrier, then calls work() `loops` times; the value is the
threads' total calls divided by the time from the first start to the last end (calls per second).
A work() that raises ends the point with {"error"}; a crash or hang is seen by the parent's runner.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

MODES = ("private", "shared")


def fail(kind: str, error: BaseException) -> None:
    channel.send(RESULT, {"error": kind, "message": f"{type(error).__name__}: {error}"})
    sys.exit(0)


def load(path: str):
    spec = importlib.util.spec_from_file_location("ftkit_bench_workload", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def declared(w) -> dict:
    """What the file declares (docs/bench.md): work (required), setup, VARIANTS, BASELINE, MODES."""
    variants = getattr(w, "VARIANTS", None)
    modes = getattr(w, "MODES", MODES)
    return {
        "work": callable(getattr(w, "work", None)),
        "setup": callable(getattr(w, "setup", None)),
        "variants": [str(v) for v in variants] if variants else None,
        "baseline": str(getattr(w, "BASELINE", "") or "") or None,
        "modes": [str(m) for m in modes],
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
    }


def peak_rss_kb() -> int:
    """This process's peak resident set (KiB). Linux: VmHWM of /proc/self/status, because getrusage's
    ru_maxrss survives execve (getrusage(2)) and would report the parent's peak at the fork."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def measure(w, config: dict) -> dict:
    variant, threads, mode = config["variant"], config["threads"], config["mode"]
    setup = getattr(w, "setup", None)

    def make():
        if setup is None:
            return None
        return setup(variant) if getattr(w, "VARIANTS", None) else setup()

    def call_for(obj):
        return w.work if setup is None else (lambda: w.work(obj))

    shared = make() if mode == "shared" else None
    loops = config["loops"]
    if loops is None:  # calibrate on one thread: the fewest loops (doubling) that take min_time
        call, loops = call_for(shared if mode == "shared" else make()), 1
        while True:
            start = time.perf_counter()
            for _ in range(loops):
                call()
            if time.perf_counter() - start >= config["min_time"] or loops >= 1 << 30:
                break
            loops *= 2
    rounds = config["values"] + 1  # the first is a warm-up, as pyperf's runner does
    barrier = threading.Barrier(threads)
    starts = [[0.0] * threads for _ in range(rounds)]
    ends = [[0.0] * threads for _ in range(rounds)]
    cpu = [[0.0] * threads for _ in range(rounds)]  # each thread's CPU seconds: how much core it really got
    errors: list[BaseException] = []

    def body(k: int) -> None:
        try:
            call = call_for(shared if mode == "shared" else make())  # per-thread setup in private mode
            for r in range(rounds):
                barrier.wait()
                starts[r][k], cpu_start = time.perf_counter(), time.thread_time()
                for _ in range(loops):
                    call()
                ends[r][k], cpu[r][k] = time.perf_counter(), time.thread_time() - cpu_start
        except threading.BrokenBarrierError:
            pass  # another thread failed first
        except BaseException as e:  # the user's code: anything it raises is the result
            errors.append(e)
            barrier.abort()

    workers = [threading.Thread(target=body, args=(k,)) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    if errors:
        raise errors[0]
    walls = [max(max(ends[r]) - min(starts[r]), 1e-9) for r in range(1, rounds)]
    values = [threads * loops / wall for wall in walls]
    # Below 1.0: the threads were waiting (a contended lock, the GIL) or other processes had the cores.
    shares = [sum(cpu[r]) / (threads * wall) for r, wall in zip(range(1, rounds), walls)]
    # Calls per CPU-second: what one call costs in CPU, whatever else runs on the machine (time
    # spent waiting, for a lock or a core, is not counted; spinning is).
    per_cpu = [threads * loops / max(sum(cpu[r]), 1e-9) for r in range(1, rounds)]
    return {"loops": loops, "values": values, "cpu_share": shares, "per_cpu_second": per_cpu,
            "peak_rss_kb": peak_rss_kb(),
            "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True}


config = json.loads(sys.argv[1])
sys.path[:0] = [os.path.dirname(os.path.abspath(config["workload"])), *config.get("path", [])]
try:
    workload = load(config["workload"])
except BaseException as e:  # SystemExit and KeyboardInterrupt in a module body count too
    fail("import", e)
if config["request"] == "describe":
    channel.send(RESULT, declared(workload))
else:
    try:
        answer = measure(workload, config)
    except BaseException as e:
        fail("raised", e)
    channel.send(RESULT, answer)
