"""ftkit.rules: one table of rule ids, severities and fix lines, and the docs/rules.md made from it."""

from __future__ import annotations

import re
from pathlib import Path

from ftkit import _core, rules
from ftkit.audit import audit
from ftkit.report import Severity

ROOT = Path(__file__).resolve().parents[1]
RULE_ID = re.compile(r"""["'](?:audit|gilcheck|stress|strict)/[a-z0-9-]+["']""")


def test_committed_rule_index_is_current():
    assert (ROOT / "docs" / "rules.md").read_text() == rules.markdown(), \
        "docs/rules.md is stale: run `python -m ftkit.rules --markdown > docs/rules.md`"


def test_every_rule_id_the_code_can_emit_is_in_the_index():
    emitted = set()
    for path in (ROOT / "python" / "ftkit").rglob("*.py"):
        emitted |= {m.group(0)[1:-1] for m in RULE_ID.finditer(path.read_text())}
    assert len(emitted) >= 30
    assert emitted <= set(rules.RULES), sorted(emitted - set(rules.RULES))
    index = (ROOT / "docs" / "rules.md").read_text()
    assert all(f"`{r}`" in index for r in rules.RULES)


def test_fix_names_the_detected_generator_only():
    assert "freethreading_compatible" in rules.declare_fix("cython")
    assert "pybind11" not in rules.declare_fix("cython")
    assert "mod_gil_not_used" in rules.declare_fix("pybind11") and "cython" not in rules.declare_fix("pybind11")
    assert "gil_used = false" in rules.declare_fix("pyo3")
    assert "FREE_THREADED" in rules.declare_fix("nanobind")
    assert "PyUnstable_Module_SetGIL" in rules.declare_fix("c-api")
    every = rules.declare_fix(None)
    assert all(text in every for text in rules.DECLARE_FIX.values())


def test_gil_used_and_undeclared_have_one_severity_policy():
    used, undeclared = rules.rule("audit/gil-used"), rules.rule("audit/gil-undeclared")
    for target in (rules.FREE_THREADED, rules.GIL, rules.ANY):
        assert used.severity_for(target) == undeclared.severity_for(target)
    assert undeclared.severity_for(rules.FREE_THREADED) is Severity.ERROR
    assert undeclared.severity_for(rules.GIL) is Severity.INFO
    assert [rules.target_of(t) for t in ("cp314t", "abi3t", "cp312", "abi3", "")] == \
        [rules.FREE_THREADED, rules.FREE_THREADED, rules.GIL, rules.ANY, rules.ANY]


def test_real_module_findings_take_the_table_severity():
    # ftkit's own extension module: a real nanobind module built for this interpreter.
    report = audit([_core.__file__])
    assert report.findings
    for f in report.findings:
        assert f.severity is rules.rule(f.rule).severity_for(rules.target_of("cp314t")), f


def test_gil_rows_reach_the_index_and_findings_name_theirs():
    index = (ROOT / "docs" / "rules.md").read_text()
    rows = [row[0] for row in _core.gil_rules()]
    assert all(f"`{row}`" in index for row in rows)
    (f,) = [f for f in audit([_core.__file__]).findings if f.rule.startswith("audit/gil-")]
    assert f.evidence["verdict_row"] == "nanobind-ft-tag"  # FREE_THREADED, read from its ABI tag


def test_gilcheck_fix_names_the_generator_read_from_the_file():
    from ftkit.gilcheck.probe import Outcome
    from ftkit.gilcheck.targets import Module
    from ftkit.gilcheck.verdict import findings

    enabled = [Outcome("default", "gil-enabled", 0.1)]
    # ftkit's own module is nanobind's: its fix line is nanobind's alone.
    (f,) = findings(Module("ftkit._core", _core.__file__, ".so"), enabled)
    assert (f.rule, f.severity) == ("gilcheck/gil-enabled", rules.rule("gilcheck/gil-enabled").severity)
    assert f.fix == rules.DECLARE_FIX["nanobind"]
    # A package (no single file to read): every generator's way.
    (f,) = findings(Module("ftkit", str(Path(_core.__file__).parent), "", kind="package"), enabled)
    assert f.fix == rules.declare_fix(None)
