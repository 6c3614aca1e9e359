"""pytest integration (entry point `ftkit_stress`): a fixture and a marker that run a scenario.

    def test_matrix_is_thread_safe(ftkit_stress):
        ftkit_stress("matrix/scenario.py")             # fails the test with ftkit's report

    scenario = Scenario(...)                            # or a Scenario in the test module itself
    @pytest.mark.ftkit_stress(threads=4, trials=500)   # the marker sets the run's options
    def test_counter(ftkit_stress):
        ftkit_stress(scenario)

Trials run in child processes, as with `ftkit stress`, so a crash fails the test instead of
killing the session.
"""

from __future__ import annotations

import io
import os
import sys
import sysconfig
from pathlib import Path

import pytest

# Auto-loaded into every pytest session: import nothing else until a test asks for the fixture
# (ftkit._core and the driver's modules would show up as extension modules loaded at start-up).
MARKER = "ftkit_stress"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ftkit-stress", "ftkit stress scenarios")
    group.addoption("--ftkit-stress-seed", type=int, default=None, help="seed for every ftkit_stress run")
    group.addoption("--ftkit-stress-trials", type=int, default=None, help="trials for every ftkit_stress run")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(**options): options of the ftkit_stress fixture's run "
                            "(threads, ops, trials, duration, seed, strategy, ...: ftkit.stress.StressOptions)")


@pytest.fixture
def ftkit_stress(request: pytest.FixtureRequest, tmp_path: Path):
    """Call with a scenario file or a module-level Scenario; returns the StressResult, or fails."""
    marker = request.node.get_closest_marker(MARKER)
    marked = dict(marker.kwargs) if marker else {}
    for name, opt in (("seed", "--ftkit-stress-seed"), ("trials", "--ftkit-stress-trials")):
        value = request.config.getoption(opt)
        if value is not None:
            marked[name] = value

    def run(scenario, **options):
        from ..report.render_text import render_text
        from .data import StressOptions
        from .driver import StressRun
        from .report import to_report

        path, attribute = _locate(scenario, request)
        if not sysconfig.get_config_var("Py_GIL_DISABLED") and "python" not in {**marked, **options}:
            pytest.fail(f"ftkit_stress needs a free-threaded interpreter; {sys.executable} is not one",
                        pytrace=False)
        try:
            opts = StressOptions(**{"output_dir": tmp_path / "repro", "attribute": attribute, **marked, **options})
            stress_run = StressRun(str(path), opts)
        except (TypeError, ValueError) as e:  # a bad option: one line, not a traceback into ftkit (issue 12)
            pytest.fail(f"ftkit_stress: {e}", pytrace=False)
        result = stress_run.run()
        report = to_report(result)
        # A run that judged no trial never passes the test, whatever the report says (issue 12: a
        # scenario that exited, or whose factory or argument generator raised, once passed it).
        if report.failed or result.counts.judged == 0:
            text = io.StringIO()
            render_text(report, text, colour=False)
            if not report.failed:
                text.write(f"ftkit_stress: no trial was judged (0 of {result.counts.planned} planned)\n")
            pytest.fail(text.getvalue(), pytrace=False)
        return result

    return run


def _locate(scenario, request: pytest.FixtureRequest) -> tuple[Path, str | None]:
    from .scenario import Scenario

    if isinstance(scenario, Scenario):
        module = request.module
        for name, value in vars(module).items():
            if value is scenario:
                return Path(module.__file__), name
        pytest.fail("ftkit_stress: pass a Scenario defined at module level in the test file "
                    "(workers import it by name), or a scenario file", pytrace=False)
    if not isinstance(scenario, (str, os.PathLike)):
        pytest.fail("ftkit_stress: pass a scenario file or a module-level Scenario, not "
                    f"{type(scenario).__name__} {scenario!r:.80}", pytrace=False)
    path = Path(scenario)
    if not path.is_absolute():
        path = Path(request.fspath).parent / path
    return path, None
