"""JUnit XML on real audit and stress reports: valid against Jenkins' JUnit schema, read back by
junitparser as CI tools read it."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import xmlschema
from junitparser import Error, Failure, JUnitXml

from ftkit.report import Finding, Report, Severity, Subject
from ftkit.report.render_junit import render_junit
from harness.sources import multi_phase
from report_support.reports import STRESS_ARGS, SUPPORT, audit_report, run_ftkit, stress_scenario

XSD = xmlschema.XMLSchema(str(SUPPORT / "JUnit.xsd"))


def parsed(text: str, tmp_path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    XSD.validate(str(path))  # raises with the element and the rule it breaks
    return JUnitXml.fromfile(str(path))


def test_audit_of_real_wheels_has_one_case_per_module_and_failures_for_undeclared(tmp_path):
    report = audit_report(tmp_path)
    xml = parsed(render_junit(report), tmp_path)
    (suite,) = list(xml)
    cases = list(suite)
    subjects = {(f.subject.kind, f.subject.name, f.subject.path.split("!")[0]) for f in report.findings}
    assert len(cases) == suite.tests == len(subjects)
    failed = {c.name.split(" (")[0] for c in cases if any(isinstance(r, Failure) for r in c.result)}
    assert failed == {"module gemmi_ext", "module _greenlet", "module _test_extension",
                      "module _test_extension_cpp"}
    assert suite.failures == 4 and suite.errors == 0
    gemmi = next(c for c in cases if c.name.startswith("module gemmi_ext"))
    (failure,) = gemmi.result
    assert failure.type == "audit/gil-undeclared" and "re-enables the GIL" in failure.message
    assert "fix:" in failure.text and gemmi.classname == "ftkit.audit"
    assert "(gemmi-0.7.5-cp314-cp314t-" in gemmi.name  # which wheel, in the case's name
    numpy = [c for c in cases if c.name.startswith("module numpy.") or "numpy-2.5.5" in c.name]
    assert numpy and all(c.is_passed for c in numpy)
    out = ET.parse(tmp_path / "junit.xml").find("testsuite/system-out").text
    assert "audit/c-api-hazard" in out  # review findings: context, not failures


def test_stress_cli_writes_one_failing_case_for_the_scenario(tmp_path):
    scenario = stress_scenario(tmp_path)
    proc = run_ftkit("stress", scenario.name, *STRESS_ARGS, "--format", "junit", "--output", "stress.xml",
                     cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (suite,) = list(parsed((tmp_path / "stress.xml").read_text(), tmp_path))
    (case,) = list(suite)
    assert case.name == "scenario invariant.py" and suite.name == "ftkit stress"
    (failure,) = case.result
    assert failure.type == "stress/invariant-broken" and "invariant" in failure.message
    assert float(suite.time) > 0  # the run's elapsed seconds


def test_clean_interrupted_and_hostile_reports_stay_valid(tmp_path):
    clean = Report("stress", checked="200 trials judged")
    (suite,) = list(parsed(render_junit(clean), tmp_path))
    (case,) = list(suite)
    assert case.name == "200 trials judged" and case.is_passed and suite.failures == 0

    stopped = Report("stress", checked="3 trials judged; interrupted", interrupted=True)
    (suite,) = list(parsed(render_junit(stopped, datetime(2026, 1, 2, tzinfo=timezone.utc)), tmp_path))
    assert suite.errors == 1 and suite.timestamp == "2026-01-02T00:00:00"
    assert any(isinstance(r, Error) for c in suite for r in c.result)

    # Control characters (a crashed child's stderr) and names that are not UTF-8 cannot break XML.
    odd = Report("audit", [Finding("audit/gil-undeclared", Severity.ERROR,
                                   Subject("module", "m\udcff", "a\x01.so"), "bell \x07, nul \x00 in it")])
    (suite,) = list(parsed(render_junit(odd), tmp_path))
    (case,) = list(suite)
    assert "\\x07" in case.result[0].message and "\\udcff" in case.name


def test_gilcheck_gives_every_judged_module_a_case_passing_or_failing(compile_extension, tmp_path):
    """Real imports in fresh free-threaded processes: one module declares support, one forgets."""
    for name, gil in (("declares", "not_used"), ("forgets", None)):
        shutil.copy(compile_extension(multi_phase(name, gil), name), tmp_path)
    proc = run_ftkit("gilcheck", tmp_path, "--format", "junit", "--output", "g.xml", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (suite,) = list(parsed((tmp_path / "g.xml").read_text(), tmp_path))
    cases = {c.name.split(" (")[0]: c for c in suite}
    assert set(cases) == {"module declares", "module forgets"}
    assert cases["module declares"].is_passed and not cases["module forgets"].is_passed
    assert cases["module forgets"].result[0].type == "gilcheck/gil-enabled"
