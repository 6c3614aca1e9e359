"""`ftkit doctor`: which interpreters ftkit can use, what is missing, and the command that provides it."""

from __future__ import annotations

import argparse
import os

from ..interpreters import cache
from ..interpreters.discover import Interpreter, discover
from ..interpreters.resolve import pick
from ..report import Finding, Report, Severity, Subject, Table
from . import output

# What later commands want: the default free-threaded target first; the rest on request.
WANTED = {
    "3.14t": (Severity.WARNING, "the default free-threaded interpreter for gilcheck, stress and bench"),
    "3.13t": (Severity.INFO, "to test the oldest free-threaded release"),
    "3.15t": (Severity.INFO, "to test the next release (release candidate)"),
    "3.14": (Severity.INFO, "the GIL build of 3.14, for free-threaded vs GIL comparisons"),
}


# The commands that need a free-threaded interpreter, and whether it must have ftkit installed.
CHOOSERS = {"gilcheck": False, "audit --verify-import": False, "stress": True}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="list the interpreters ftkit finds or has built, and what is missing")
    output.add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return output.emit(diagnose(discover(), dict(os.environ)), args)


def diagnose(interpreters: list[Interpreter], environ: dict[str, str]) -> Report:
    """Pure: the report for a list of probed interpreters and an environment (tested directly)."""
    report = Report("doctor")
    gil_env = environ.get("PYTHON_GIL")
    report.data = {
        "cache": str(cache.cache_root()),
        "PYTHON_GIL": gil_env,
        "interpreters": [i.to_dict() for i in interpreters],
    }
    report.tables.append(Table(
        "Interpreters",
        ("variant", "version", "free-threaded", "GIL at start-up", "source", "path"),
        tuple(_row(i) for i in interpreters),
    ))
    chosen = {command: pick(interpreters, command, needs_ftkit) for command, needs_ftkit in CHOOSERS.items()}
    report.data["chosen"] = {command: i and {"path": i.path, "source": i.source} for command, i in chosen.items()}
    report.tables.append(Table(
        "What the commands would run targets under (the policy of interpreters.resolve, without --python)",
        ("command", "interpreter", "source"),
        tuple((command, i.path, i.source) if i else (command, "none found", "a bootstrap, or --python")
              for command, i in chosen.items()),
    ))
    if gil_env is not None:
        forced = {"1": "forces the GIL on", "0": "keeps the GIL off even for modules that need it"}
        report.findings.append(Finding(
            "doctor/python-gil-set", Severity.WARNING if gil_env == "1" else Severity.INFO,
            Subject("environment", "PYTHON_GIL"),
            f"PYTHON_GIL={gil_env} is set: it {forced.get(gil_env, 'is not 0 or 1; CPython rejects it')} "
            "in every free-threaded interpreter started from this environment",
            evidence={"PYTHON_GIL": gil_env},
            fix="unset PYTHON_GIL" if gil_env == "1" else None,
        ))
    present = {i.variant for i in interpreters if i.error is None}
    for variant, (severity, why) in WANTED.items():
        if variant not in present:
            report.findings.append(Finding(
                "doctor/interpreter-missing", severity, Subject("interpreter", variant),
                f"no CPython {variant} found ({why})",
                fix=f"ftkit bootstrap {variant}",
            ))
    for i in interpreters:
        if i.error is not None:
            report.findings.append(_broken(i))
    return report


def _broken(i: Interpreter) -> Finding:
    """An interpreter that does not answer the probe. One that ftkit built into its cache is a
    warning with the command that rebuilds it (bootstrap rebuilds a cached build that does not run);
    one installed by someone else is information."""
    cached = cache.variant_of(i.path) if "ftkit cache" in i.source else None
    if cached is None:
        return Finding("doctor/interpreter-broken", Severity.INFO, Subject("interpreter", i.path),
                       f"found but does not run: {i.error}", evidence={"source": i.source})
    return Finding("doctor/interpreter-broken", Severity.WARNING, Subject("interpreter", i.path),
                   f"ftkit's cached build of CPython {cached} does not run: {i.error}",
                   evidence={"source": i.source}, fix=f"ftkit bootstrap {cached}")


def _row(i: Interpreter) -> tuple[str, ...]:
    if i.error is not None:
        return ("?", "?", "?", "?", i.source, f"{i.path} ({i.error})")
    gil = "enabled" if i.gil_enabled else "disabled"
    return (i.variant or "?", i.version or "?", "yes" if i.free_threaded else "no", gil, i.source, i.path)
