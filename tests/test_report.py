"""The findings model and its renderers: JSON follows docs/report.schema.json, text is plain when piped."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from ftkit.commands.doctor import diagnose
from ftkit.interpreters.discover import Interpreter
from ftkit.report import Confidence, Finding, Report, Severity, Subject, Table
from ftkit.report.render_json import render_json
from ftkit.report.render_text import fit_path, fit_rows, render_text, render_text_string

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "docs" / "report.schema.json").read_text())


def sample() -> Report:
    r = Report("audit")
    r.findings = [
        Finding("audit/borrowed-ref", Severity.REVIEW, Subject("symbol", "PyDict_GetItem", "m.so"),
                "returns a borrowed reference", {"imported": True}, fix="PyDict_GetItemRef (3.13+)"),
        Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "pkg._core", "pkg/_core.so"),
                "does not declare Py_mod_gil", {"slots": [2]}, confidence=Confidence.PROVEN),
        Finding("audit/note", Severity.INFO, Subject("wheel", "pkg-1.0.whl"), "context"),
    ]
    r.data = {"files": 1}
    r.tables = [Table("Modules", ("module", "gil"), (("pkg._core", "undeclared"),))]
    return r


def test_json_matches_the_documented_schema():
    doc = json.loads(render_json(sample()))
    jsonschema.validate(doc, SCHEMA)
    assert doc["schema_version"] == "1.0" and doc["failed"] is True
    assert doc["counts"] == {"error": 1, "warning": 0, "review": 1, "info": 1}
    assert [f["severity"] for f in doc["findings"]] == ["error", "review", "info"], "most serious first"
    assert doc["findings"][0]["confidence"] == "proven"
    assert "fix" not in doc["findings"][0] and doc["findings"][1]["fix"] == "PyDict_GetItemRef (3.13+)"


def test_schema_rejects_what_it_should():
    doc = json.loads(render_json(sample()))
    doc["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


def test_doctor_report_matches_the_schema():
    report = diagnose([Interpreter("/x/python3.14t", "PATH", "3.14.7", "cpython", True, False)],
                      {"PYTHON_GIL": "1"})
    jsonschema.validate(json.loads(render_json(report)), SCHEMA)


def test_review_and_info_do_not_fail_a_run():
    r = Report("x", [Finding("x/y", Severity.REVIEW, Subject("symbol", "s"), "m"),
                     Finding("x/z", Severity.INFO, Subject("symbol", "t"), "m")])
    assert not r.failed
    r.findings.append(Finding("x/w", Severity.WARNING, Subject("symbol", "u"), "m"))
    assert r.failed


def test_plain_text_has_table_findings_fix_and_summary():
    text = render_text_string(sample(), 200)
    lines = text.splitlines()
    assert lines[0] == "Modules"
    assert lines[2].split() == ["pkg._core", "undeclared"]
    assert ("error   audit/gil-undeclared: module pkg._core (pkg/_core.so): "
            "does not declare Py_mod_gil [proven]") in lines
    assert "    fix: PyDict_GetItemRef (3.13+)" in lines
    assert lines[-1] == "ftkit audit: FAILED (1 error, 1 review, 1 info)"
    assert "\x1b[" not in text


def test_empty_report_says_so():
    assert render_text_string(Report("doctor")).strip() == "ftkit doctor: ok (no findings)"


def test_text_fits_the_width_names_each_file_once_and_ends_with_the_summary():
    wheel = "pkg-1.0-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl"
    r = Report("audit")
    member = f"{wheel}!pkg/sub/_core.so"
    r.findings = [
        Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "_core", member),
                "does not declare Py_mod_gil: importing it re-enables the GIL", confidence=Confidence.PROVEN),
        Finding("audit/c-api-hazard", Severity.REVIEW, Subject("symbol", "PyDict_Next", member),
                "imports PyDict_Next: does not lock the dictionary", fix="hold a critical section"),
        Finding("audit/note", Severity.INFO, Subject("wheel", wheel, wheel), "context"),
    ]
    r.tables = [Table(wheel, ("module", "GIL", "generator"),
                      (("pkg.sub.a_very_long_module_name_that_goes_on_and_on._core", "undeclared (proven)",
                        "pybind11 internals v11 with a long tail of version text"),))]
    for width in (80, 100):
        lines = render_text_string(r, width).splitlines()
        table = lines[:3]
        # Every line fits but a piped table's rows (they stay whole for grep and diff; issue 11).
        assert all(len(line) <= width for line in lines if line not in table[1:]), lines
        # The wheel's path is given twice (table title, group heading), whole when it fits, else
        # with its middle elided (issue 13: the terminal report fits 80 columns).
        heading = wheel if len(wheel) <= width else fit_path(wheel, width)
        assert len(heading) <= width and heading.endswith(".whl") and heading.startswith("pkg-1.0-")
        assert lines.count(heading) == 2, lines
        assert "  error   audit/gil-undeclared: module pkg.sub._core: does not declare" in "\n".join(lines)
        assert "pybind11 internals v11 with a long tail of version text" in table[2]  # piped: whole
        assert lines[-1] == "ftkit audit: FAILED (1 error, 1 review, 1 info)"
        # On a terminal the table is cut to fit, in the middle of its widest cells.
        buf = io.StringIO()
        render_text(r, buf, colour=True, width=width)
        plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in buf.getvalue().splitlines()]
        row = next(line for line in plain if "undeclared (proven)" in line)
        assert len(row) <= width and "…" in row and row.split()[0].startswith("pkg.sub.")
        assert all(len(line) <= width for line in plain), plain


def test_long_paths_lose_their_folders_first_then_their_middle():
    path = "/root/.cache/ftkit/wheels/linux/" \
        "numpy-2.5.5-cp314-cp314t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
    assert fit_path(path, 200) == path
    assert fit_path(path, 80) == "…/linux/numpy-2.5.5-cp314-cp314t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
    short = fit_path(path, 40)
    assert len(short) == 40 and short.startswith("numpy-2.5.5") and short.endswith("x86_64.whl")


def test_fit_rows_leaves_narrow_columns_whole():
    timeline = Table("t", tuple(f"c{i}" for i in range(40)), (tuple("x" * 3 for _ in range(40)),))
    assert fit_rows(timeline, 80) == [tuple("xxx" for _ in range(40))]


def test_json_holds_no_infinity_or_nan():
    """bench's interval of a single run is infinite; Python would write `Infinity`, which is not JSON."""
    r = Report("bench", [Finding("bench/x", Severity.INFO, Subject("test", "t"), "m", {"ci_high": float("inf")})],
               data={"bench": {"points": [{"ci_low": float("-inf"), "ci_high": float("nan"), "mean": 1.5}]}})

    def strict(text: str):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))

    doc = strict(render_json(r))
    assert doc["data"]["bench"]["points"] == [{"ci_low": None, "ci_high": None, "mean": 1.5}]
    assert doc["findings"][0]["evidence"] == {"ci_high": None}
    assert r.data["bench"]["points"][0]["ci_low"] == float("-inf")  # the report itself is left alone
