"""ftkit stress: hammer a shared object from many threads and judge what comes back.

Declare a Scenario in a Python file, then run `ftkit stress FILE.py`, use the `ftkit_stress`
pytest fixture, or call `run(path, StressOptions(...))`.
"""

from __future__ import annotations

from .data import StressFinding, StressOptions, StressResult
from .scenario import Scenario, ScenarioError, choice, const, ints


def __getattr__(name: str):
    # The driver (and through it ftkit._core) loads on first use: the pytest plugin imports this
    # package in every session, and scenario files import it in worker processes.
    if name == "run":
        from .driver import run

        return run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Scenario", "ScenarioError", "StressFinding", "StressOptions", "StressResult", "choice", "const",
           "ints", "run"]
