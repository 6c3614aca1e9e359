"""The child process of `ftkit stress`: loads the scenario, runs trials, streams JSON lines.

Run as `python -X faulthandler -m ftkit.stress.worker CONFIG_JSON`. Everything that touches
the user's module happens here, so a crash or hang costs this process only. Before each trial
the trial number goes into a shared file (PROGRESS layout: int64 trial, then per engine thread
int32 started, int32 finished) that the parent reads when this process dies.
"""

from __future__ import annotations

import faulthandler
import json
import mmap
import os
import signal
import struct
import sys
import time

from .protocol import HEADER, emit, progress_size


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the parent's "you hang: show me"
    from .. import _core
    from . import repro
    from .scenario import ScenarioError, load
    from .trial import INCONCLUSIVE, PASSED, TrialRunner, describe

    try:
        scenario = load(config["scenario"], config.get("attribute"))
    except ScenarioError as e:
        emit("error", message=str(e))
        return 2
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        emit("gil", message="the GIL is enabled after loading the scenario (a module it imports did not "
                            "declare free-threading support, or PYTHON_GIL=1): the stress test would test nothing")
        return 2
    mode = config["mode"]
    threads = config["threads"]
    emit("start", ops=[op.name for op in scenario.ops], pid=os.getpid())

    def plan_for(trial: int) -> list:
        if config.get("steps") is not None:
            return config["steps"]
        return _core.stress_plan(config["seed"], trial, threads, config["ops"], len(scenario.ops),
                                 config["strategy"], config["pct_depth"])

    def calls_of(steps) -> list[list[str]]:
        return [[describe(scenario, (kind, scenario.ops[kind].make_args(seed)), "?").rsplit(" -> ", 1)[0]
                 for kind, seed, _, _ in thread] for thread in steps]

    if mode == "describe":
        emit("describe", calls=calls_of(plan_for(config["first"])))
        return 0
    if mode == "repro":
        try:
            path = repro.write(scenario, config["steps"], config["output"], config.get("verdict", ""))
        except (ValueError, OSError, SyntaxError) as e:
            emit("error", message=f"no repro script: {e}")
            return 0
        emit("repro", path=str(path))
        return 0

    fd = os.open(config["progress"], os.O_RDWR)
    mm = mmap.mmap(fd, progress_size(threads))
    os.close(fd)
    engine_slots = memoryview(mm)[HEADER:]
    runner = TrialRunner(scenario, threads, engine_slots)
    counts: dict[str, int] = {}
    deadline = time.monotonic() + config["duration"] if config.get("duration") else None
    last_report = time.monotonic()
    trial = config["first"]
    end = config["first"] + config["count"]
    try:
        while trial < end and (deadline is None or time.monotonic() < deadline):
            struct.pack_into("<q", mm, 0, trial)
            steps = plan_for(trial)
            outcome = runner.run(steps)
            counts[outcome.verdict] = counts.get(outcome.verdict, 0) + 1
            if outcome.verdict == INCONCLUSIVE and counts[INCONCLUSIVE] > 1:
                pass  # reported once per worker; the count says how often
            elif outcome.verdict != PASSED:
                emit("finding", trial=trial, verdict=outcome.verdict, detail=outcome.detail,
                     steps=steps, calls=calls_of(steps))
                if config.get("stop_first", True) and outcome.verdict != INCONCLUSIVE:
                    trial += 1
                    break
            trial += 1
            now = time.monotonic()
            if now - last_report > 0.2:
                emit("progress", done=trial - config["first"], counts=counts)
                last_report = now
    finally:
        runner.close()
        engine_slots.release()
        mm.close()
    emit("end", done=trial - config["first"], counts=counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
