"""`ftkit stress SCENARIO.py --tsan`: the same stress run, its workers under ThreadSanitizer, whose
reports join the findings (python/ftkit/stress/tsan.py, docs/tsan.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import console
from ..exitcodes import ENVIRONMENT
from ..stress.data import StressOptions
from . import output


def run_tsan_command(args: argparse.Namespace, options: StressOptions, scenario: str) -> int:
    from ..stress.driver import StressRun
    from ..stress.report import to_report
    from ..stress.tsan import NotTsan, TsanRun

    if args.auto:
        print("ftkit stress: --tsan runs a SCENARIO.py; it does not combine with --auto yet", file=sys.stderr)
        return ENVIRONMENT
    try:
        tsan = TsanRun.for_interpreter(options.python)
    except NotTsan as e:
        print(f"ftkit stress: {e}", file=sys.stderr)
        return ENVIRONMENT
    with tsan.environment():
        # Before the trials: a module without instrumentation makes reports false and races unseen.
        uninstrumented = tsan.uninstrumented(str(Path(scenario).resolve()))
        with console.progress("trials", args.trials) as on_progress:
            result = StressRun(scenario, options, on_progress).run()
    report = to_report(result)
    tsan.fold_into(report, result.scenario, uninstrumented)
    if result.error and not result.findings:
        print(f"ftkit stress: {result.error}", file=sys.stderr)
        return ENVIRONMENT
    return output.emit(report, args)
