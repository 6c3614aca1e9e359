"""`ftkit check --pytest ARGS`: the project's tests under the strict GIL plugin, as findings.

The session runs in a child (children/pytest_run.py through the one runner: its own process
group, a timeout, bounded output); its JUnit file gives the tests' outcomes and the plugin's
`ftkit_gil` suite property (disabled | enabled | enabled-at-start) with the culprit's sentence.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from ..children import run_child
from ..report import Confidence, Report, Subject, Table
from ..rules import finding

TIMEOUT = 1800.0  # a whole test suite: generous, but a hung session still ends
_TAIL_LINES = 30


def run_pytest(python: str, args: list[str], cwd: Path, env: dict, timeout: float = TIMEOUT) -> Report:
    report = Report("pytest")
    subject = Subject("test", "pytest " + " ".join(args) if args else "pytest", path=str(cwd))
    with tempfile.TemporaryDirectory(prefix="ftkit-check-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        child = run_child(python, "pytest_run", [str(junit), *args], env, timeout, cwd)
        suite = _read_junit(junit)
    tail = child.stdout.tail_lines(_TAIL_LINES) + child.stderr.tail_lines(_TAIL_LINES // 3)
    result = child.result if isinstance(child.result, dict) else {}
    if not child.ok or "exit" not in result or suite is None:
        why = result.get("error") or (child.describe() if not child.ok else "it wrote no JUnit report")
        report.findings.append(finding("check/pytest-not-run", subject,
                                       f"the test session did not complete: {why}",
                                       evidence={"output_tail": tail}))
        report.data = {"exit": result.get("exit"), "error": why}
        return report
    code = result["exit"]
    gil, detail = suite["properties"].get("ftkit_gil"), suite["properties"].get("ftkit_gil_detail")
    failed = suite["failed"]
    evidence = {"exit": code, "tests": suite["tests"], "failed": failed, "gil": gil}
    if gil in ("enabled", "enabled-at-start"):
        report.findings.append(finding("check/pytest-gil-enabled", subject, detail or f"ftkit_gil={gil}",
                                       evidence=evidence, confidence=Confidence.PROVEN))
    real_failures = [t for t in failed if "ftkit strict GIL" not in suite["messages"].get(t, "")]
    if real_failures:
        more = len(real_failures) - 5
        shown = ", ".join(real_failures[:5]) + (f" and {more} more" if more > 0 else "")
        report.findings.append(finding("check/pytest-failed", subject,
                                       f"{len(real_failures)} of {suite['tests']} tests failed on free-threaded "
                                       f"CPython: {shown}", evidence={**evidence, "failed": real_failures,
                                                                      "output_tail": tail},
                                       confidence=Confidence.PROVEN))
    elif code not in (0, 1) and gil not in ("enabled", "enabled-at-start"):
        # 2 interrupted, 3 internal error, 4 usage error, 5 no tests collected (pytest.ExitCode)
        report.findings.append(finding("check/pytest-not-run", subject,
                                       f"pytest exited with {code} ({_EXIT.get(code, 'unknown')})",
                                       evidence={"exit": code, "output_tail": tail}))
    passed = suite["tests"] - len(failed) - suite["skipped"]
    report.data = {**evidence, "passed": passed, "skipped": suite["skipped"], "seconds": round(child.seconds, 1)}
    report.tables.append(Table("pytest --ftkit-strict-gil", ("tests", "passed", "failed", "skipped", "GIL"),
                               ((str(suite["tests"]), str(passed), str(len(failed)), str(suite["skipped"]),
                                 gil or "?"),)))
    return report


_EXIT = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


def _read_junit(path: Path) -> dict | None:
    """Counts, failing test ids and suite properties of a pytest JUnit file; None if there is none."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    out = {"tests": 0, "skipped": 0, "failed": [], "messages": {}, "properties": {}}
    for suite in suites:
        for prop in suite.iter("property"):
            out["properties"][prop.get("name")] = prop.get("value")
        for case in suite.iter("testcase"):
            out["tests"] += 1
            name = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":")
            bad = case.find("failure") if case.find("failure") is not None else case.find("error")
            if bad is not None:
                out["failed"].append(name)
                out["messages"][name] = (bad.get("message") or "") + (bad.text or "")
            elif case.find("skipped") is not None:
                out["skipped"] += 1
    return out
