"""Report -> JUnit XML, the test-report format Jenkins, GitLab and most CI dashboards read.

One <testcase> per subject the findings are about (a module, a wheel, a scenario, a check) and
per subject the run judged without a finding (Report.subjects), failed when any of its findings
fails the run (error or warning). A run with neither is one passing test case for the command;
an interrupted run adds one errored test case.
Review and info findings go to the suite's <system-out>.

The shape follows the Apache Ant JUnit schema Jenkins documents (windyroad/JUnit-Schema
JUnit.xsd, vendored in tests/report_support/ and validated against in the tests): <testsuites>
without attributes, one <testsuite> with properties, system-out and system-err, a test case
holding at most one failure or error.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from itertools import groupby

from .finding import Finding, Report, Severity
from .where import container, where

# XML 1.0 forbids most control characters even as references; a stress finding's stderr tail may
# hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                        f"\\u{ord(m.group()):04x}", text)


def _line(f: Finding) -> str:
    w = where(f).display
    out = f"{f.severity.value} {f.rule}: {f.subject.kind} {f.subject.name}{f' ({w})' if w else ''}: {f.message}"
    return out + (f"\n    fix: {f.fix}" if f.fix else "")


def _key(f: Finding) -> tuple[str, str, str]:
    return (container(f), f.subject.kind, f.subject.name)


def render_junit(report: Report, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    command = f"ftkit {report.command}"
    # Jenkins splits a class name at its last dot into package and class: "ftkit" / "audit".
    classname = "ftkit." + report.command.replace(" ", "_")
    elapsed = report.data.get("elapsed_s") if isinstance(report.data.get("elapsed_s"), (int, float)) else 0
    cases: list[ET.Element] = []
    failures = errors = 0
    findings = sorted(report.findings, key=_key)
    by_subject = {k: list(g) for k, g in groupby(findings, key=_key)}
    for s in report.subjects:  # judged without a finding: a passing test case
        by_subject.setdefault(((s.path or "").partition("!")[0], s.kind, s.name), [])
    for (file, kind, name), group in sorted(by_subject.items()):
        group = sorted(group, key=lambda f: (f.severity.rank, f.rule))
        case = ET.Element("testcase", name=_clean(_case_name(file, kind, name)), classname=classname, time="0")
        failing = [f for f in group if f.severity.fails_run]
        if failing:
            failures += 1
            message = failing[0].message if len(failing) == 1 else \
                f"{len(failing)} findings: " + "; ".join(f.rule for f in failing)
            ET.SubElement(case, "failure", message=_clean(message), type=failing[0].rule).text = \
                _clean("\n".join(_line(f) for f in group))
        cases.append(case)
    if not cases:
        cases.append(ET.Element("testcase", name=_clean(report.checked or command), classname=classname, time="0"))
    if report.interrupted:
        errors += 1
        case = ET.Element("testcase", name="run completed", classname=classname, time="0")
        ET.SubElement(case, "error", message="interrupted before it finished", type="interrupted").text = \
            _clean(report.checked or "")
        cases.append(case)

    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=command, package="ftkit", id="0",
                          timestamp=now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                          hostname=socket.gethostname() or "localhost", tests=str(len(cases)),
                          failures=str(failures), errors=str(errors), skipped="0", time=f"{elapsed:.3f}")
    props = ET.SubElement(suite, "properties")
    from .. import __version__

    for name, value in (("ftkit.version", __version__), ("ftkit.command", command),
                        ("ftkit.checked", report.checked or ""),
                        *((f"ftkit.count.{k}", str(v)) for k, v in report.counts().items())):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    suite.extend(cases)
    context = [f for f in report.sorted_findings() if f.severity in (Severity.REVIEW, Severity.INFO)]
    ET.SubElement(suite, "system-out").text = _clean("\n".join(_line(f) for f in context))
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case_name(file: str, kind: str, name: str) -> str:
    """"module pkg._core (pkg-1.0-cp314-cp314t-linux_x86_64.whl)": the subject, and its file when
    the name does not say it."""
    base = file.replace("\\", "/").rsplit("/", 1)[-1] if file else ""
    return f"{kind} {name}" + (f" ({base})" if base and base != name else "")
