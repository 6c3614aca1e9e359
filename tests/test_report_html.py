"""The HTML page on real reports, opened in headless Chromium: it renders, its numbers match the
JSON, the page's script ran without a console message, and nothing reaches for the network."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from ftkit.report.render_badge import render_badge
from ftkit.report.render_html import render_html
from report_support.reports import audit_report, open_in_chromium, run_ftkit, stress_report, wheels_in


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if (tag is None or t == tag)
                and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def with_class(self, cls: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if cls in a.get("class", "").split()]


def no_network(dom: Elements) -> None:
    for _, attrs in dom.tags:
        for key in ("src", "href", "action", "poster"):
            value = attrs.get(key, "")
            assert not value.lower().startswith(("http:", "https:", "//", "ftp:")), (key, value)


def test_page_of_audit_stress_and_bench_matches_the_json_in_chromium(tmp_path):
    report = audit_report(tmp_path)
    stress = stress_report(tmp_path / "stress")
    report.findings += stress.findings
    report.data.update(verdict="GIL required", evidence=["audit/gil-undeclared: gemmi_ext: does not declare"],
                       stress=[stress.data], classifier={"supported": "none", "claimed": "none"})
    plot = tmp_path / "scaling.svg"
    plot.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
                    '<rect width="120" height="40" fill="#4a90d9"/></svg>\n')
    report.data["bench"] = {"plots": [str(plot), {"svg": render_badge("ready", "inline"), "title": "inline"},
                                      str(tmp_path / "missing.svg")],
                            # A single run's interval is infinite (ftkit bench): the embedded JSON must
                            # still parse in the browser (JSON has no Infinity).
                            "points": [{"threads": 1, "ci_low": float("-inf"), "ci_high": float("inf")}]}
    doc = report.to_dict()
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")

    text, console = open_in_chromium(page)
    assert console == []  # no script error, no failed load: the page logs nothing
    dom = Elements(text)
    no_network(dom)
    # The page's own script ran: it read the embedded JSON and marked the body.
    (body,) = dom.find("body")
    assert body["data-findings"] == str(len(doc["findings"])) == str(len(report.findings))
    for severity, n in doc["counts"].items():
        (span,) = dom.find("span", id=f"count-{severity}")
        assert span["data-count"] == str(n)
    assert dom.find("span", id="count-total")[0]["data-count"] == str(len(doc["findings"]))
    (verdict,) = dom.with_class("overall")
    assert verdict["data-verdict"] == "GIL required"
    assert "evidence: stress" in text and "audit/gil-undeclared: gemmi_ext: does not declare" in text
    # Each wheel and module: the audit's tables (one row per module) and one row per finding.
    modules = sum(len(f["modules"]) for f in doc["data"]["files"])
    assert sum(int(t["data-rows"]) for t in dom.find("table", class_="facts") if "data-rows" in t) == modules
    rows = dom.with_class("finding")
    assert len(rows) == sum(not f["rule"].startswith("stress/") for f in doc["findings"])
    assert sorted(r["data-rule"] for r in rows) == sorted(f["rule"] for f in doc["findings"]
                                                          if not f["rule"].startswith("stress/"))
    assert len(dom.find("details", class_="file")) == 4  # one per wheel
    # The stress finding with its per-thread timeline.
    (card,) = dom.with_class("stress")
    assert card["data-rule"] == "stress/invariant-broken"
    (timeline,) = dom.find("svg", class_="timeline")
    finding = next(f for f in doc["findings"] if f["rule"] == "stress/invariant-broken")
    assert timeline["data-ops"] == str(len(finding["evidence"]["timeline"])) == "10"
    assert timeline["data-threads"] == "2"
    # Bench plots inline, as data: URIs; a missing file is said, not fatal.
    plots = dom.find("img")
    assert len(plots) == 2 and all(p["src"].startswith("data:image/svg+xml;base64,") for p in plots)
    assert "missing.svg could not be read" in text
    # Order: verdict, wheels and modules, stress, bench.
    ids = [a.get("id") for _, a in dom.tags if a.get("id") in ("verdict", "results", "stress", "bench")]
    assert ids == ["verdict", "results", "stress", "bench"]


def test_audit_cli_writes_the_page_and_it_renders(tmp_path):
    wheels = [w.relative_to(tmp_path) for w in wheels_in(tmp_path)]
    proc = run_ftkit("audit", "--format", "html", "--output", "out.html", *wheels, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""  # the page went to the file
    text, console = open_in_chromium(tmp_path / "out.html")
    assert console == []
    dom = Elements(text)
    no_network(dom)
    doc = json.loads(run_ftkit("audit", "--format", "json", *wheels, cwd=tmp_path).stdout)
    assert dom.find("span", id="count-error")[0]["data-count"] == str(doc["counts"]["error"]) == "4"
    assert dom.find("header", id="verdict")[0]["data-state"] == "failed"
    assert "ftkit audit: FAILED" in text


def test_one_file_is_one_group_whether_named_relative_or_absolute(tmp_path, monkeypatch):
    # `ftkit check` merges the audit (paths as given) and gilcheck (absolute paths) for one module.
    from ftkit.report import Finding, Report, Severity, Subject
    from ftkit.report.render_html import render_html

    monkeypatch.chdir(tmp_path)
    module = tmp_path / "demo" / "forgets.so"
    findings = [
        Finding("audit/gil-undeclared", Severity.ERROR, Subject("module", "forgets", "demo/forgets.so"), "a"),
        Finding("gilcheck/gil-enabled", Severity.ERROR, Subject("module", "forgets", str(module)), "b"),
    ]
    page = render_html(Report("check", findings))
    assert page.count('data-file="demo/forgets.so"') == 1 and f'data-file="{module}"' not in page
