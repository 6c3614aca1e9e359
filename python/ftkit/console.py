"""The one output policy: progress only on a terminal and never under CI; colour per --color, NO_COLOR,
FORCE_COLOR. Every command draws its progress and picks its colour through here.

Progress goes to stderr, so a report on stdout stays clean when piped. rich is imported only
when something is drawn: most runs (CI, pipes) never pay for it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Callable, Optional, TextIO

# update(done, total): total None keeps the last one (or an open-ended bar until one is known).
Update = Callable[[int, Optional[int]], None]


def _set(environ, name: str) -> bool:
    """no-color.org and force-color.org: the variable counts when present and not empty."""
    return bool(environ.get(name))


def under_ci(environ=None) -> bool:
    """CI services set CI (GitHub Actions, GitLab, Travis, CircleCI, Buildkite: CI=true)."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.lower() not in ("", "0", "false", "no")


def colour(choice: str = "auto", stream: TextIO | None = None, environ=None) -> bool:
    """Whether to colour text written to stream: --color always/never wins; else NO_COLOR turns it
    off, FORCE_COLOR on, and otherwise only a terminal gets colour."""
    environ = os.environ if environ is None else environ
    if choice != "auto":
        return choice == "always"
    if _set(environ, "NO_COLOR"):
        return False
    if _set(environ, "FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    return stream.isatty()


def progress_allowed(stream: TextIO | None = None, environ=None) -> bool:
    """Progress is drawn on a terminal's stderr only, and never under CI (logs are not terminals)."""
    stream = sys.stderr if stream is None else stream
    return stream.isatty() and not under_ci(environ)


@contextlib.contextmanager
def progress(description: str, total: int | None = None, stream: TextIO | None = None,
             environ=None) -> Iterator[Update | None]:
    """A progress bar for `with`: yields update(done, total), or None when the policy says no bar."""
    if not progress_allowed(stream, environ):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(file=stream or sys.stderr)) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int | None = None) -> None:
            if total is None:
                bar.update(task, completed=done)
            else:
                bar.update(task, completed=done, total=total)

        yield update


@contextlib.contextmanager
def steps(description: str, announce: Callable[[str], None], stream: TextIO | None = None,
          environ=None) -> Iterator[Callable[[str], None]]:
    """For long work made of named steps (a bootstrap): yields step(text). On a terminal a live
    line shows the step and the time so far; elsewhere each step is one announced line."""
    try:
        if not progress_allowed(stream, environ):
            raise ImportError
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    except ImportError:  # also: `tools/bootstrap.py` runs on a system Python that may lack rich
        yield lambda text: announce(f"ftkit: {description}: {text}")
        return

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=Console(file=stream or sys.stderr)) as bar:
        task = bar.add_task(description, total=None)
        yield lambda text: bar.update(task, description=f"{description}: {text}")
