"""ftkit stress: hammer a shared object from many threads and judge what comes back.

Declare a Scenario in a Python file, then run `ftkit stress FILE.py`, use the `ftkit_stress`
pytest fixture, or call `run(path, StressOptions(...))`.
"""

from .driver import StressFinding, StressOptions, StressResult, run
from .scenario import Scenario, ScenarioError, choice, const, ints

__all__ = ["Scenario", "ScenarioError", "StressFinding", "StressOptions", "StressResult", "choice", "const",
           "ints", "run"]
