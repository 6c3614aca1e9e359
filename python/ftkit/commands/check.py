"""`ftkit check [PATH...]`: audit, import, stress and test a package; one verdict and classifier."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .. import console
from ..children import check_timeout
from ..exitcodes import ENVIRONMENT
from ..gilcheck import TargetError
from ..interpreters.resolve import InterpreterError
from . import interpreter, output

DEFAULT_BASELINE = "ftkit-baseline.json"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="one CI verdict: ready, declared but untested, GIL required or broken",
        description="Audit the wheels (default: dist/), import the package in a free-threaded interpreter "
        "(gilcheck), run the stress scenarios [tool.ftkit] declares and, with --pytest, the project's tests "
        "under the strict GIL plugin. Prints one verdict with its evidence, and the Free Threading classifier "
        "the evidence supports next to the one the package claims. Settings come from [tool.ftkit] in "
        "pyproject.toml; flags override them. Exit 0 clean, 1 findings, 2 usage or environment error.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="wheels, folders or modules (default: [tool.ftkit] "
                   "paths, else dist)")
    p.add_argument("--config", metavar="PYPROJECT", help="the pyproject.toml to read (default: ./pyproject.toml)")
    p.add_argument("--exclude", action="append", default=None, metavar="GLOB", help="leave paths out of the audit "
                   "(replaces [tool.ftkit] exclude); repeatable")
    p.add_argument("--gilcheck", action="append", default=None, metavar="TARGET",
                   help="what to import (default: each audited wheel's installed distribution, or the wheel)")
    p.add_argument("--scenario", action="append", default=None, metavar="SCENARIO.py[:NAME]",
                   help="a stress scenario to run (replaces [tool.ftkit] scenarios); repeatable")
    p.add_argument("--pytest", metavar="ARGS", nargs="?", const="",
                   help="also run the project's pytest with ARGS (one shell-quoted string) under "
                   "--ftkit-strict-gil")
    p.add_argument("--static", action="store_true",
                   help="audit only: import and run nothing (no free-threaded interpreter needed)")
    p.add_argument("--baseline", metavar="FILE", help="known findings (default: [tool.ftkit] baseline)")
    p.add_argument("--write-baseline", action="store_true",
                   help=f"record the current findings as known (in --baseline, else {DEFAULT_BASELINE})")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per import (default: 60)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel work (default: cores, at most 8)")
    interpreter.add_options(p, "to import and run with")
    output.add_format_option(p, badge=True)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..audit import InputError, default_jobs
    from ..check import ConfigError, Plan, check, load
    from ..check.baseline import BaselineError, read, write
    from ..check.config import Scenario
    from ..check.suppress import apply

    def fail(message: str) -> int:
        print(f"ftkit check: {message}", file=sys.stderr)
        return ENVIRONMENT

    try:
        check_timeout(args.timeout)
    except ValueError as e:
        return fail(f"--timeout: {e}")
    if args.jobs is not None and args.jobs < 1:
        return fail("--jobs must be at least 1")
    pyproject = Path(args.config) if args.config else Path("pyproject.toml")
    if args.config and not pyproject.is_file():
        return fail(f"--config {args.config}: no such file")
    try:
        config = load(pyproject, Path.cwd())
        pytest_args = shlex.split(args.pytest) if args.pytest is not None else config.pytest
    except (ConfigError, ValueError) as e:
        return fail(str(e))
    root = config.root
    # Flags override the file; the file's relative paths are relative to its folder.
    paths = args.paths or [str(root / p) if not Path(p).is_absolute() else p for p in config.paths]
    for p in paths:
        if not Path(p).exists():
            return fail(f"{p}: no such file or directory")
    # A flag's path is relative to where the command runs; the file's to the file's folder.
    scenarios = tuple(Scenario(str(Path(s).absolute())) for s in args.scenario) if args.scenario is not None \
        else config.scenarios
    for s in scenarios:
        file = s.path if (root / s.path).is_file() or ":" not in s.path else s.path.rpartition(":")[0]
        if not (root / file).is_file():
            return fail(f"scenario {s.path}: no such file")
    baseline = Path(args.baseline) if args.baseline else (root / config.baseline if config.baseline else None)
    if baseline is None and (root / DEFAULT_BASELINE).is_file():  # what --write-baseline writes by default
        baseline = root / DEFAULT_BASELINE
    known = None
    if baseline is not None and not args.write_baseline:
        try:
            known = read(baseline)
        except BaselineError as e:
            return fail(str(e))
    python = None
    if not args.static:
        try:
            python = interpreter.choose(args, "check", needs_ftkit=bool(scenarios or pytest_args is not None))
        except InterpreterError as e:
            return fail(f"{e} (or pass --static to run the audit alone)")
    exclude = tuple(args.exclude if args.exclude is not None else config.exclude)
    plan = Plan(root=root, paths=paths, exclude=exclude,
                gilcheck=args.gilcheck if args.gilcheck is not None else
                (list(config.gilcheck) if config.gilcheck is not None else None),
                scenarios=scenarios, pytest=pytest_args, python=python, ignores=config.ignores,
                claimed_classifiers=config.claimed_classifiers, timeout=args.timeout,
                jobs=args.jobs or default_jobs(),
                repro_dir=Path(args.output).resolve().parent if args.output else root / "build" / "ftkit-check")
    try:
        with console.progress("checking") as progress:
            report, _ = check(plan, progress)
    except (InputError, TargetError) as e:  # a path or a gilcheck target that cannot be read
        return fail(str(e))
    if args.write_baseline:
        target = baseline or root / DEFAULT_BASELINE
        n = write(target, report.findings, root)
        print(f"ftkit check: wrote {n} known finding{'s' if n != 1 else ''} to {target}", file=sys.stderr)
        known = read(target)
        baseline = target
    apply(report, config.ignores, known, baseline, root)
    code = output.emit(report, args)
    for bad in report.data.get("unreadable", []):
        print(f"ftkit check: cannot read {bad['path']}: {bad['error']}", file=sys.stderr)
    if report.data.get("unreadable"):
        return ENVIRONMENT
    return code
