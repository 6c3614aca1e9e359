"""`ftkit stress --auto MODULE[:TYPE]`: the CLI end of auto-scenarios (ftkit/stress/auto/)."""

from __future__ import annotations

import argparse
import sys

from .. import console
from ..exitcodes import ENVIRONMENT
from ..stress.data import StressOptions
from . import output


def run_auto_command(args: argparse.Namespace, options: StressOptions) -> int:
    from ..stress.auto.report import to_auto_report
    from ..stress.auto.run import AutoError, parse_target, run_auto

    try:
        parse_target(args.auto)  # a malformed target costs no worker
        with console.progress("trials", args.trials) as on_progress:
            result = run_auto(args.auto, options, on_progress)
    except AutoError as e:
        print(f"ftkit stress: --auto {args.auto}: {e}", file=sys.stderr)
        return ENVIRONMENT
    return output.emit(to_auto_report(result), args)
