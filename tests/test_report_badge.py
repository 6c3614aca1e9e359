"""The verdict badge: valid SVG naming the verdict and its evidence, written by --badge from a
report that carries data["verdict"]."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET

import pytest

from ftkit.commands import output
from ftkit.exitcodes import ENVIRONMENT, FINDINGS
from ftkit.report import Finding, Report, Severity, Subject
from ftkit.report.render_badge import STYLE, render_badge

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("verdict", "word", "colour"), [
    ("ready", "ready", "#4c1"), ("declared but untested", "partial", "#dfb317"), ("partial", "partial", "#dfb317"),
    ("GIL required", "GIL required", "#e05d44"), ("broken", "broken", "#b60205")])
def test_each_verdict_draws_its_word_colour_and_evidence(verdict, word, colour):
    root = ET.fromstring(render_badge(verdict, "audit + stress"))
    assert root.tag == f"{SVG}svg" and root.get("height") == "20"
    assert root.find(f"{SVG}title").text == f"free-threading: {word} (audit + stress)"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["free-threading"] * 2 + [f"{word} (audit + stress)"] * 2  # shadow, then text
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == colour]
    assert len(rects) == 1
    label_box = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#555")
    assert int(root.get("width")) == int(label_box.get("width")) + int(rects[0].get("width"))
    longer = ET.fromstring(render_badge(verdict, "audit + gilcheck + stress + pytest"))
    assert int(longer.get("width")) > int(root.get("width"))  # boxes grow with their text


def test_unknown_verdict_and_markup_in_evidence():
    with pytest.raises(ValueError, match="unknown verdict 'maybe'"):
        render_badge("maybe", "")
    root = ET.fromstring(render_badge("ready", "<b>&"))
    assert root.find(f"{SVG}title").text == "free-threading: ready (<b>&)"
    assert set(STYLE) >= {"ready", "declared but untested", "GIL required", "broken"}


def args(tmp_path, **kw) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    output.add_format_option(p, badge=True)
    return p.parse_args(["--output", str(tmp_path / "r.json"), "--format", "json",
                         *(x for k, v in kw.items() for x in (f"--{k}", str(v)))])


def test_emit_writes_the_badge_of_a_report_with_a_verdict(tmp_path, capsys):
    r = Report("check", [Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "m", "m.so"), "x")])
    # As `ftkit check` carries it (python/ftkit/check): the word, its lines, the steps' data.
    r.data.update(verdict="GIL required", evidence=["audit/gil-undeclared: m: x"], audit={"files": []},
                  gilcheck={"modules": []}, stress=[], classifier={"supported": "none", "claimed": "none"})
    assert r.verdict.level == "audit + gilcheck"  # no scenario ran: stress is not evidence
    assert output.emit(r, args(tmp_path, badge=tmp_path / "badge.svg")) == FINDINGS
    title = ET.parse(tmp_path / "badge.svg").getroot().find(f"{SVG}title").text
    assert title == "free-threading: GIL required (audit + gilcheck)"
    assert (tmp_path / "r.json").exists()


def test_badge_without_a_verdict_is_one_line_and_exit_2(tmp_path, capsys):
    assert output.emit(Report("audit"), args(tmp_path, badge=tmp_path / "b.svg")) == ENVIRONMENT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--badge needs the overall verdict" in err
    assert not (tmp_path / "b.svg").exists() and not (tmp_path / "r.json").exists()
