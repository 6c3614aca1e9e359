"""`ftkit bench WORKLOAD.py`: throughput over threads on 3.14t, 3.14t with PYTHON_GIL=1 and the GIL build."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import console
from ..bench import STATISTICS
from ..exitcodes import ENVIRONMENT, FINDINGS
from ..interpreters.resolve import InterpreterError
from . import output


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(sorted({int(x) for x in text.split(",") if x.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of thread counts: {text!r} (e.g. 1,2,4)") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"thread counts must be 1 or more: {text!r}")
    return values


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure what free threading and each lock gain and cost on a workload",
                       description="Run WORKLOAD's work() from 1..N threads on free-threaded CPython, the same "
                       "with PYTHON_GIL=1 and the GIL build of the same version, interleaved, in worker "
                       "processes; print ratios (free-threaded vs GIL, lock cost per variant), write "
                       "bench.json and plots (PNG, SVG). See docs/bench.md.")
    p.add_argument("workload", nargs="?", metavar="WORKLOAD.py", help="a file declaring work(obj) (docs/bench.md)")
    p.add_argument("--threads", type=_ints, metavar="N,N,...",
                   help="thread counts (default: 1, 2, 4 ... up to the core count)")
    p.add_argument("--variants", type=_names, metavar="A,B", help="only these of the workload's VARIANTS")
    p.add_argument("--modes", type=_names, metavar="MODE,...", help="private (an object per thread), shared "
                   "(one object), or both (default: the workload's MODES)")
    p.add_argument("--budget", type=_positive, default=120.0, metavar="S",
                   help="seconds for the whole run (default 120; the first round always completes)")
    p.add_argument("--ci", type=_positive, default=0.05, help="stop a point once its 95%% interval is within "
                   "+-CI of its mean (default 0.05)")
    p.add_argument("--min-time", type=_positive, default=0.02, metavar="S",
                   help="seconds one timed value takes at least on one thread (default 0.02)")
    p.add_argument("--min-runs", type=int, default=3, help="worker processes per point at least (default 3)")
    p.add_argument("--max-runs", type=int, default=30, help="worker processes per point at most (default 30)")
    p.add_argument("--timeout", type=_positive, default=60.0, metavar="S",
                   help="seconds one worker process may take before it counts as hung (default 60)")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="put DIR first on the workers' sys.path (repeatable), e.g. a folder with the "
                   "extension built for each interpreter")
    p.add_argument("--statistic", choices=STATISTICS, default="median",
                   help="median: of every value (calls per wall-clock second); best: each worker's highest, "
                   "steadier on a busy machine, as timeit's docs advise; cpu: calls per CPU-second, what a "
                   "call costs whatever else runs, but blind to waiting for a lock (default median)")
    p.add_argument("--seed", type=int, default=0, help="fixes the order points are visited in (default 0)")
    p.add_argument("--python", metavar="PATH", help="the free-threaded interpreter (default: as for every "
                   "command: this one if free-threaded, one found installed or cached, else 3.14t is built)")
    p.add_argument("--python-gil", metavar="PATH", help="the GIL build to compare with (default: one of the "
                   "same version found installed or cached, else built from the same source)")
    p.add_argument("--no-bootstrap", action="store_true", help="never build an interpreter: exit 2 instead")
    p.add_argument("--out-dir", default="ftkit-bench", metavar="DIR",
                   help="where bench.json and the plots go (default ./ftkit-bench)")
    p.add_argument("--no-files", action="store_true", help="write neither bench.json nor plots")
    p.add_argument("--compare", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                   help="compare two runs' bench.json (or --format json reports) instead of running")
    output.add_format_option(p)
    p.set_defaults(run=run)


def _fail(message: str) -> int:
    print(f"ftkit bench: {message}", file=sys.stderr)
    return ENVIRONMENT


def run(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [m for m in ("pyperf", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:  # both are the `bench` extra: said before any work starts
        return _fail(f"needs {' and '.join(missing)}: pip install 'ftkit[bench]'")
    from ..bench import machine
    from ..bench.model import Options, WorkloadError

    if args.compare:
        from ..bench.compare import compare

        try:
            return output.emit(compare(*args.compare), args)
        except WorkloadError as e:
            return _fail(str(e))
    if not args.workload:
        return _fail("give a WORKLOAD.py (or --compare BEFORE.json AFTER.json)")
    if not Path(args.workload).is_file():
        return _fail(f"no such workload file: {args.workload}")
    if args.min_runs < 1 or args.max_runs < args.min_runs:
        return _fail("--min-runs must be 1 or more and --max-runs at least --min-runs")
    from ..bench import plots, ratios, report, targets
    from ..bench import run as bench_run

    try:
        chosen, notes = targets.choose(args.python, args.python_gil, args.no_bootstrap)
    except InterpreterError as e:
        return _fail(str(e))
    options = Options(threads=args.threads or machine.default_threads(machine.cores()),
                      variants=args.variants, modes=args.modes, budget=args.budget, min_time=args.min_time,
                      min_runs=args.min_runs, max_runs=args.max_runs, ci=args.ci, timeout=args.timeout,
                      path=tuple(os.path.abspath(p) for p in args.path), seed=args.seed,
                      statistic=args.statistic)
    try:
        with console.progress("bench", int(options.budget * 10)) as update:
            result = bench_run.run(args.workload, chosen, options, update)
    except WorkloadError as e:
        return _fail(str(e))
    data = ratios.as_data(result)
    if not args.no_files:
        folder = Path(args.out_dir).resolve()  # absolute: the HTML report embeds the plots by path
        data["plots"], data["png"] = plots.write(data, folder)
    bench_report = report.to_report(data, notes, result.interrupted)
    if not args.no_files:  # the same report as --format json, written whole (temp file + rename)
        output.write_atomic(str(folder / "bench.json"), output.render(bench_report, "json"))
    code = output.emit(bench_report, args)
    if result.interrupted:  # as gilcheck: what was measured is reported above; the run is not done
        print(f"ftkit bench: interrupted: the report is partial ({bench_report.checked})", file=sys.stderr)
        return code if code == FINDINGS else ENVIRONMENT
    return code
