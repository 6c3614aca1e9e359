"""Real reports for the renderer tests: an audit of real PyPI wheels (the prepared corpus) and a
real `ftkit stress` run whose invariant breaks, plus the browser that opens the HTML page."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from ftkit.report import Report
from harness import corpus
from harness.manifest import GREENLET

FTKIT = [sys.executable, "-m", "ftkit"]
SUPPORT = Path(__file__).resolve().parent
# gemmi 0.7.5 (cp314t, nanobind): its module does not declare support (an error); greenlet 3.1.1
# (cp313t): three undeclared modules and C-API hazards (review); numpy and msgpack declare it.
WHEELS = (corpus.Wheel("gemmi", "0.7.5"), GREENLET, corpus.Wheel("numpy", "2.5.5"),
          corpus.Wheel("msgpack", "1.2.4"))

INVARIANT = """
    from ftkit.stress import Scenario, ints

    # The invariant fails after every trial of 2 x 5 appends: a deterministic, real finding.
    scenario = Scenario(list, invariant=lambda lst: len(lst) < 7)
    scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 3)], name="append")
"""


def wheels_in(folder: Path) -> list[Path]:
    """The corpus wheels copied into folder/dist (relative paths, as a CI job passes dist/*.whl)."""
    dist = folder / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    out = []
    for w in WHEELS:
        src = corpus.path(w, "linux")
        out.append(Path(shutil.copy(src, dist / src.name)))
    return out


def audit_report(folder: Path) -> Report:
    """ftkit's audit of the corpus wheels copied into folder/dist (paths absolute, as given)."""
    from ftkit.audit import audit

    return audit([str(p) for p in wheels_in(folder)])


def run_ftkit(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300, env=env)


def stress_scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "invariant.py"
    path.write_text(textwrap.dedent(INVARIANT))
    return path


STRESS_ARGS = ("--trials", "5", "--replays", "3", "--no-minimise")


def stress_report(folder: Path) -> Report:
    """A real `ftkit stress` run (about 2 s) read back from its JSON: one stress/invariant-broken
    finding with its plan, replays and per-thread timeline."""
    scenario = stress_scenario(folder)
    proc = run_ftkit("stress", scenario.name, *STRESS_ARGS, "--format", "json", "--output", "stress.json",
                     cwd=folder)
    assert proc.returncode == 1, proc.stderr
    return Report.from_dict(json.loads((folder / "stress.json").read_text()))


def chromium() -> str:
    """Debian's chromium (tools/setup.sh installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: run `make setup` (tools/setup.sh installs Debian's chromium)"
    return found


def open_in_chromium(page: Path, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """(DOM after the page's scripts ran, console messages) from headless Chromium. Host lookups
    all fail, so a page that reached for the network would log an error."""
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
            "--window-size=1200,1800"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    proc = subprocess.run([*args, page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console
