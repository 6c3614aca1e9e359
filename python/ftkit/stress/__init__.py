"""ftkit stress: hammer a shared object from many threads and judge what comes back.

Declare a Scenario in a Python file, then run `ftkit stress FILE.py`, use the `ftkit_stress`
pytest fixture, or call `run(path, StressOptions(...))`.
"""

from __future__ import annotations

from .scenario import Scenario, ScenarioError, choice, const, ints

_DRIVER = ("StressFinding", "StressOptions", "StressResult", "run")


def __getattr__(name: str):
    # The driver (and through it ftkit._core) loads on first use: the pytest plugin imports this
    # package in every session, and scenario files import it in worker processes.
    if name in _DRIVER:
        from . import driver

        return getattr(driver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Scenario", "ScenarioError", "choice", "const", "ints", *_DRIVER]
