"""`ftkit check` as a library: every step a project declares, one Report, one verdict.

    from ftkit.check import Plan, check
    report = check(Plan(root=Path("."), paths=["dist"], python=interpreter))

Steps (steps.py): audit the wheels, import the package with gilcheck, run the declared stress
scenarios and, if asked, the project's pytest under the strict plugin, all on the one interpreter
chosen by interpreters.resolve (none with static=True: the audit alone, as on a GIL 3.9 CI job).
Then verdict.py judges every finding, classifier.py sets the claim against the evidence, and
suppress.py moves ignored and baselined findings out of the way. report.data["verdict"] is the
verdict word, data["evidence_level"] what it rests on ("audit + imports + stress"),
data["evidence"] its lines, data["classifier"] the claimed and supported classifiers with each
claim's source (Report.verdict reads them for the HTML page, the GitHub summary and the badge).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..interpreters.discover import Interpreter
from ..report import Report, Subject
from ..rules import finding
from . import steps
from .classifier import claimed_tiers, judge_claim
from .config import Config, ConfigError, Ignore, Scenario, load
from .verdict import Facts, classifier, judge, supported_tier

__all__ = ["Config", "ConfigError", "Plan", "check", "load"]

# The audit's per-wheel classifier judgements, replaced by check's one over all the evidence.
_AUDIT_CLASSIFIER_RULES = {"audit/supported-classifier", "audit/classifier-overclaims",
                           "audit/classifier-not-judged"}


@dataclass
class Plan:
    """What one run does, from [tool.ftkit] with the command line's flags on top."""

    root: Path
    paths: list[str]
    exclude: tuple[str, ...] = ()
    gilcheck: list[str] | None = None  # None: derived from the audited wheels and folders
    scenarios: tuple[Scenario, ...] = ()
    pytest: list[str] | None = None
    python: Interpreter | None = None  # None: static only
    ignores: tuple[Ignore, ...] = ()
    claimed_classifiers: tuple[str, ...] = ()
    timeout: float = 60.0
    jobs: int = 1
    repro_dir: Path | None = None
    notes: list[str] = field(default_factory=list)


def check(plan: Plan, progress=None) -> tuple[Report, Facts]:
    """The merged report (before ignores and baseline) and what the steps measured."""
    facts = Facts(notes=list(plan.notes))
    parts: list[Report] = []
    audited = steps.run_audit(plan.paths, plan.exclude, plan.jobs, progress)
    steps.audit_facts(audited, facts)
    parts.append(audited)
    data: dict = {"audit": audited.data}
    if plan.python is None:
        facts.notes.append("static: nothing was imported or run (--static, or no free-threaded interpreter)")
    else:
        env = dict(os.environ)
        specs = plan.gilcheck if plan.gilcheck is not None else \
            steps.gilcheck_targets(audited, plan.paths, plan.python, env, facts)
        if specs:
            g = steps.run_gilcheck(specs, plan.python, plan.timeout, plan.jobs, facts, plan.exclude)
            parts.append(g)
            data["gilcheck"] = g.data
        data["stress"] = []
        for s in plan.scenarios:
            r = steps.run_scenario(s, plan.root, plan.python.path, plan.repro_dir or plan.root, facts)
            parts.append(r)
            data["stress"].append(r.data)
        if plan.pytest is not None:
            from .pytest_step import run_pytest

            r = run_pytest(plan.python.path, plan.pytest, plan.root, env)
            if r.data.get("exit") == 0 and "gil" in r.data and r.data["gil"] == "disabled":
                facts.pytest_passed = f"{r.data['passed']} passed, the GIL stayed disabled"
            parts.append(r)
            data["pytest"] = r.data
    return merge(parts, facts, data, plan), facts


def merge(parts: list[Report], facts: Facts, data: dict, plan: Plan) -> Report:
    report = Report("check")
    for p in parts:
        report.findings.extend(f for f in p.findings if f.rule not in _AUDIT_CLASSIFIER_RULES)
        report.tables.extend(p.tables)
        report.interrupted = report.interrupted or p.interrupted
    verdict, evidence = judge(report.findings, facts)
    tier = supported_tier(verdict, facts)
    claims = claimed_tiers(parts[0], plan.claimed_classifiers)
    claim = judge_claim(verdict, tier, claims)
    report.findings.append(finding("check/verdict", Subject("check", "verdict"),
                                   f"{verdict}: " + "; ".join(evidence), evidence={"evidence": evidence}))
    report.findings.append(claim)
    # data["verdict"], ["evidence_level"], ["evidence"] and ["classifier"]: what Report.verdict reads for
    # the HTML page, the GitHub summary and the badge.
    report.data = {**data, "verdict": verdict, "evidence_level": evidence_level(facts, plan), "evidence": evidence,
                   "classifier": {"supported": classifier(tier), "supported_tier": tier,
                                  "claimed": claim.evidence["claimed"],
                                  "claimed_tier": claim.evidence["claimed_tier"],
                                  "claims": claims},
                   "unreadable": parts[0].data.get("unreadable", [])}
    report.checked = (f"verdict: {verdict}; supports {_short(classifier(tier))}, claims "
                      f"{_short(claim.evidence['claimed'])}")
    return report


def evidence_level(facts: Facts, plan: Plan) -> str:
    """What the verdict rests on, in a few words (the badge's): "audit + imports + stress + tests"."""
    steps = ["audit"] + (["imports"] * bool(facts.imported)) + (["stress"] * bool(plan.scenarios)) + \
        (["tests"] * (plan.pytest is not None))
    return " + ".join(steps) if plan.python is not None else "audit only (static)"


def _short(c: str) -> str:
    return f"'{c.rsplit(':: ', 1)[-1]}'" if c != "none" else "none"
