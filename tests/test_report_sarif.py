"""SARIF 2.1.0 output on real audit and stress reports, validated against the official schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from ftkit.report import Finding, Report, Severity, Subject
from ftkit.report.render_sarif import render_sarif, sarif_log
from ftkit.rules import RULES
from report_support.reports import STRESS_ARGS, SUPPORT, audit_report, run_ftkit, stress_scenario

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((SUPPORT / "sarif-schema-2.1.0.json").read_text(encoding="utf-8-sig"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
ANCHORS = set(re.findall(r"^## (\S+)$", (ROOT / "docs" / "rules.md").read_text(), re.M))


def valid(doc: dict) -> dict:
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return doc


def test_audit_of_real_wheels_is_valid_sarif_with_rules_help_and_wheel_locations(tmp_path):
    report = audit_report(tmp_path)
    doc = valid(json.loads(render_sarif(report, cwd=str(tmp_path))))
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(dict.fromkeys(f.rule for f in report.sorted_findings()))
    for r in rules:  # every rule: its title, help and a link to its heading in docs/rules.md
        assert r["id"] in RULES and r["shortDescription"]["text"] == RULES[r["id"]].title
        assert r["help"]["text"].startswith(RULES[r["id"]].help)
        page, _, anchor = r["helpUri"].partition("#")
        assert page.endswith("rules.md") and anchor == RULES[r["id"]].anchor and anchor in ANCHORS
    results = run["results"]
    assert len(results) == len(report.findings)
    assert sum(r["level"] == "error" for r in results) == report.counts()["error"] == 4
    assert sum(r["level"] == "note" for r in results) == report.counts()["review"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    gemmi = next(r for r in results if r["ruleId"] == "audit/gil-undeclared" and "gemmi_ext" in json.dumps(r))
    (loc,) = gemmi["locations"]
    artifact = loc["physicalLocation"]["artifactLocation"]
    # The wheel, relative to the working directory (GitHub resolves %SRCROOT% to the checkout) ...
    assert artifact["uri"] == "dist/gemmi-0.7.5-cp314-cp314t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
    assert artifact["uriBaseId"] == "%SRCROOT%"
    member = "gemmi/gemmi_ext.cpython-314t-x86_64-linux-gnu.so"
    assert artifact["description"]["text"].startswith(f"member {member} of ")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    # ... and the member inside it, as the module's logical location.
    (logical,) = loc["logicalLocations"]
    assert logical == {"name": "gemmi_ext", "kind": "module", "fullyQualifiedName": "gemmi.gemmi_ext"}
    assert gemmi["partialFingerprints"]["ftkitFinding/v1"]
    assert "Py_mod_gil" in gemmi["message"]["text"] or "nanobind" in gemmi["message"]["text"]  # the fix line


def test_the_schema_check_can_fail():
    doc = sarif_log(Report("audit", [Finding("audit/gil-undeclared", Severity.ERROR,
                                             Subject("module", "m", "m.so"), "undeclared")]))
    valid(doc)
    del doc["runs"][0]["results"][0]["message"]
    with pytest.raises(AssertionError, match="message"):
        valid(doc)


def test_stress_cli_writes_valid_sarif_pointing_at_the_scenario(tmp_path):
    scenario = stress_scenario(tmp_path)
    proc = run_ftkit("stress", scenario.name, *STRESS_ARGS, "--format", "sarif", "--output", "out/stress.sarif",
                     cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    doc = valid(json.loads((tmp_path / "out" / "stress.sarif").read_text()))
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "stress/invariant-broken" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "invariant.py",
                                                                              "uriBaseId": "%SRCROOT%"}
    assert len(result["properties"]["evidence"]["timeline"]) == 10  # 2 threads x 5 ops
    assert doc["runs"][0]["automationDetails"]["id"] == "ftkit/stress/"


def test_paths_outside_the_checkout_and_odd_names_are_valid_uris(tmp_path):
    r = Report("audit", [
        Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "m", "/elsewhere/a b/ü.so"), "x"),
        Finding("audit/gil-used", Severity.WARNING, Subject("module", "n", "dist/sp ace.whl!p/n.so"), "y"),
        Finding("history/undecided", Severity.WARNING, Subject("history", "h"), "z", {"line": 7}),
    ])
    doc = valid(sarif_log(r, cwd=str(tmp_path)))
    locs = {res["ruleId"]: res["locations"][0] for res in doc["runs"][0]["results"]}
    outside = locs["audit/gil-undeclared"]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": "file:///elsewhere/a%20b/%C3%BC.so"}
    assert unquote(urlsplit(outside["uri"]).path) == "/elsewhere/a b/ü.so"
    assert locs["audit/gil-used"]["physicalLocation"]["artifactLocation"]["uri"] == "dist/sp%20ace.whl"
    assert "physicalLocation" not in locs["history/undecided"]  # no file: the logical location alone
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["history/undecided"]["helpUri"].endswith("history.md")  # not in the rule table: its guide
