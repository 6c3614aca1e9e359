"""`ftkit stress SCENARIO.py`: race a shared object from many threads; crashes and wrong results are findings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import console
from ..exitcodes import ENVIRONMENT
from ..interpreters.resolve import InterpreterError
from ..stress.data import STRATEGIES
from . import interpreter, output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stress", help="run a scenario's operations from many threads and judge the results",
                       description="Run SCENARIO's operations on one shared object from N native threads "
                       "(in child processes, so a crash is a finding), and check every trial's results "
                       "against the same type run serially (linearizability).")
    p.add_argument("scenario", metavar="SCENARIO.py[:NAME]", nargs="?",
                   help="a Python file defining a ftkit.stress.Scenario (or give --auto)")
    p.add_argument("--auto", metavar="MODULE[:TYPE]", help="no scenario: learn MODULE's public types (or "
                   "TYPE) by introspection and race their methods (docs/stress-auto.md)")
    p.add_argument("--threads", type=int, default=2, help="threads per trial (default 2)")
    p.add_argument("--ops", type=int, default=5, help="operations per thread per trial (default 5)")
    p.add_argument("--trials", type=int, help="run this many trials (at most, with --duration)")
    p.add_argument("--duration", type=float, metavar="S",
                   help="stop after S seconds even if trials remain (default 30 when --trials is not given)")
    p.add_argument("--seed", type=int, default=0, help="fixes the plans and perturbations (default 0)")
    p.add_argument("--first-trial", type=int, default=0, help="start at this trial (to replay a finding)")
    p.add_argument("--strategy", choices=STRATEGIES, default="adaptive",
                   help="how trials are planned (default adaptive: collide, random and pct, shifting "
                   "toward the ones that make operations overlap)")
    p.add_argument("--pct-depth", type=int, default=2, help="PCT change points per trial (default 2)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds a trial may run before it is a hang")
    p.add_argument("--replays", type=int, default=1000, help="replays of a finding's plan (default 1000)")
    p.add_argument("--no-minimise", dest="minimise", action="store_false", help="skip shrinking the plan")
    p.add_argument("--minimise-seconds", type=float, default=60.0, help="time for shrinking (default 60)")
    p.add_argument("--keep-going", action="store_true", help="continue after the first finding")
    p.add_argument("--debug-alloc", action=argparse.BooleanOptionalAction, default=None,
                   help="run every trial (or, with --no-debug-alloc, none) under PYTHONMALLOC=debug, where "
                   "a read of freed memory crashes or shows (default: half of a --duration run)")
    p.add_argument("--repro-dir", metavar="DIR",
                   help="where repro scripts go (default: next to --output, else ./ftkit-stress-repro)")
    p.add_argument("--python", metavar="PATH", help="free-threaded interpreter with ftkit installed "
                   "(default: this one, if it is free-threaded)")
    p.add_argument("--tsan", action="store_true", help="run the workers under ThreadSanitizer: --python is a "
                   "venv of `ftkit bootstrap 3.14t-tsan` with ftkit installed; data races and use-after-free "
                   "become findings with both stacks (docs/tsan.md)")
    output.add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..stress.data import StressOptions
    from ..stress.driver import StressRun
    from ..stress.report import to_report

    if bool(args.auto) == bool(args.scenario):
        print("ftkit stress: give a SCENARIO.py or --auto MODULE[:TYPE], one of them", file=sys.stderr)
        return ENVIRONMENT
    path, attribute = args.scenario or "", ""
    if not args.auto and not Path(path).is_file() and ":" in path:
        path, _, attribute = path.rpartition(":")
    if not args.auto and not Path(path).is_file():
        print(f"ftkit stress: no such scenario file: {path}", file=sys.stderr)
        return ENVIRONMENT
    repro_dir = Path(args.repro_dir) if args.repro_dir else (
        Path(args.output).resolve().parent if args.output else Path.cwd() / "ftkit-stress-repro")
    options = StressOptions(threads=args.threads, ops=args.ops, trials=args.trials, duration=args.duration,
                            seed=args.seed, first_trial=args.first_trial, strategy=args.strategy,
                            pct_depth=args.pct_depth, timeout=args.timeout, replays=args.replays,
                            minimise=args.minimise, minimise_seconds=args.minimise_seconds,
                            output_dir=repro_dir, keep_going=args.keep_going, attribute=attribute or None,
                            debug_alloc=args.debug_alloc)
    for problem in options.problems():  # before looking for an interpreter: bad input costs nothing
        print(f"ftkit stress: {problem}", file=sys.stderr)
        return ENVIRONMENT
    try:  # the workers import ftkit: only an interpreter with ftkit installed will do (no bootstrap)
        options.python = interpreter.choose(args, "stress", needs_ftkit=True).path
    except InterpreterError as e:
        print(f"ftkit stress: {e}", file=sys.stderr)
        return ENVIRONMENT
    if args.tsan:
        from .stress_tsan import run_tsan_command

        return run_tsan_command(args, options, path)
    if args.auto:
        from .stress_auto import run_auto_command

        return run_auto_command(args, options)
    with console.progress("trials", args.trials) as on_progress:
        result = StressRun(path, options, on_progress).run()
    report = to_report(result)
    if result.error and not result.findings:
        print(f"ftkit stress: {result.error}", file=sys.stderr)
        return ENVIRONMENT
    return output.emit(report, args)

