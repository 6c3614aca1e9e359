"""Detection by default, measured: each race of the corpus (tests/stress_support/races) stressed
with ftkit's default options, seed by seed, and each corrected twin for false positives.

Prints race x found/N seeds x median/worst seconds to the first finding (a seed that did not find
counts as never: the median is "-" when half the seeds missed), then the twins' findings.
Seconds are wall time from the start of `run()` (the worker's start-up included), as a user waits.

    .venv/bin/python bench/stress_detection.py [--seeds 20] [--twin-seeds 3] [--races a,b] [--json F]
    make bench-detection
Extra options pass to StressOptions as --option NAME=VALUE (e.g. --option trials=2000), so a
run can reproduce an older default side by side with the new one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))  # harness.races: the corpus, built

from ftkit.stress import StressOptions, run  # noqa: E402
from harness.races import RACES, race_scenario  # noqa: E402

NEVER = float("inf")


def stress(scenario: Path, seed: int, extra: dict) -> tuple[float, str | None, int]:
    """(seconds to the first finding or NEVER, its verdict, trials judged) for one seed."""
    options = StressOptions(seed=seed, replays=0, minimise=False, output_dir=None, **extra)
    result = run(str(scenario), options)
    if result.error:
        raise SystemExit(f"{scenario}: {result.error}")
    if not result.findings:
        return NEVER, None, result.counts.judged
    f = result.findings[0]
    return f.found_after_s, f.verdict, result.counts.judged


def value(text: str):
    """A JSON value (2000, true, 1.5), else the text itself (pct)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def seconds(value: float) -> str:
    return "-" if value == NEVER else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--twin-seeds", type=int, default=3, help="seeds per corrected twin (default 3)")
    p.add_argument("--races", default=",".join(RACES), help="comma-separated (default: all)")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="a StressOptions field, e.g. trials=2000 or debug_alloc=true")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    extra = {k: value(v) for k, _, v in (o.partition("=") for o in args.option)}
    names = [n for n in args.races.split(",") if n]
    work = Path(tempfile.mkdtemp(prefix="ftkit-detection-"))
    rows, twins = [], []
    print(f"defaults: {StressOptions(**extra)}\n")
    print(f"{'race':<12} {'found':>7} {'median s':>9} {'worst s':>8}  verdicts / trials judged per seed")
    for name in names:
        scenario = race_scenario(name, False, sys.executable, work / f"{name}-racy")
        times, verdicts, judged = [], {}, []
        for seed in range(args.seeds):
            t, verdict, n = stress(scenario, seed, extra)
            times.append(t)
            judged.append(n)
            if verdict:
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
        found = sum(t != NEVER for t in times)
        row = {"race": name, "what": RACES[name], "seeds": args.seeds, "found": found,
               "median_s": statistics.median(times), "worst_s": max(times), "verdicts": verdicts,
               "times": times, "judged": judged}
        rows.append(row)
        print(f"{name:<12} {found:>3}/{args.seeds:<3} {seconds(row['median_s']):>9} {seconds(row['worst_s']):>8}  "
              f"{verdicts} {judged}", flush=True)
    print(f"\ncorrected twins, {args.twin_seeds} seeds each:")
    for name in names:
        scenario = race_scenario(name, True, sys.executable, work / f"{name}-fixed")
        start = time.monotonic()
        findings, judged = 0, 0
        for seed in range(args.twin_seeds):
            t, verdict, n = stress(scenario, seed, extra)
            findings += t != NEVER
            judged += n
        twins.append({"race": name, "seeds": args.twin_seeds, "findings": findings, "judged": judged})
        print(f"{name:<12} findings {findings} in {args.twin_seeds} seeds, {judged} trials judged "
              f"({time.monotonic() - start:.0f} s)", flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"options": extra, "races": rows, "twins": twins}, indent=1,
                                              default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
