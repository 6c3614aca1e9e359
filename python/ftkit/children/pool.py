"""Run many children on a few threads, and stop them all at once when the run is interrupted.

gilcheck and audit --verify-import run one child per module. A plain ThreadPoolExecutor, on Ctrl-C
(or the SIGTERM cli.py turns into KeyboardInterrupt), would wait for every queued child to run out
its timeout before the interrupted run could clean its temporary folders and exit: here the
interrupt kills the running children's groups (runner.stop_children) and cancels the queued ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Optional

from .runner import resume_children, stop_children

Progress = Callable[[int, Optional[int]], None]


def run_all(fn: Callable[[Any], Any], items: Sequence[Any], jobs: int,
            progress: Progress | None = None) -> tuple[list[Any], KeyboardInterrupt | None]:
    """[fn(item) for item in items] on `jobs` threads, and the interrupt that stopped them (None if none:
    cli.py raises a KeyboardInterrupt subclass for SIGTERM, which the caller may re-raise).

    Interrupted, the list holds the results finished before the interrupt and None for the rest
    (a child killed by the interrupt is no result), and nothing is still running on return.
    """
    results: list[Any] = [None] * len(items)
    if progress is not None:
        progress(0, len(items))
    interrupted = None
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(fn, item): n for n, item in enumerate(items)}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(items))
    except KeyboardInterrupt as e:
        interrupted = e
        stop_children()
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)  # quick: nothing left runs a child
        finally:
            resume_children()
    return results, interrupted
