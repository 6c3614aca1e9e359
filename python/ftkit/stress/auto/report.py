"""An AutoResult as one report: every type's stress findings, and what was covered and what not.

Coverage is part of the answer (issue 17): the types and methods raced, with trials judged, and
each method that could not be called with the reason (every call raised alone, crashed or hung
alone single-threaded, too slow, no constructor worked).
"""

from __future__ import annotations

from ...report import Report, Table
from ..data import UNBOUNDED
from ..report import to_report
from .run import AutoResult


def to_auto_report(result: AutoResult) -> Report:
    report = Report("stress")
    covered, skipped, types_data = [], [], []
    trials = 0
    for t in result.types:
        learned = t.learned
        raced = [m["name"] for m in learned["members"]]
        not_called = dict(learned["not_called"])
        for label, why in result.excluded.items():  # lone crashes and hangs of this type's calls
            if label.startswith(f"{t.name}.") or label.startswith(f"target.{t.name}("):
                not_called[label.split(".", 1)[1] if label.startswith(f"{t.name}.") else label] = why
        counts = t.result.counts if t.result else None
        if t.result is not None:
            sub = to_report(t.result)
            report.findings.extend(sub.findings)
            trials += counts.judged
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(counts.verdicts.items())) if counts else "-"
        covered.append((t.name, learned["factory"] or "-", str(len(raced)), str(len(not_called)),
                        ("not raced" if not counts else f"{counts.judged}" if counts.planned >= UNBOUNDED
                         else f"{counts.judged} of {counts.planned}"),
                        verdicts or "-"))
        skipped += [(f"{t.name}.{name}", why) for name, why in sorted(not_called.items())]
        types_data.append({"type": t.name, "factory": learned["factory"], "methods_raced": raced,
                           "not_called": not_called, "invariant": learned.get("invariant"),
                           "compared": [m["name"] for m in learned["members"] if m["compare"]],
                           "scenario": str(t.scenario) if t.scenario else None,
                           "trials": counts.judged if counts else 0,
                           "verdicts": counts.verdicts if counts else {}})
    shown = {f"{t.name}.{m}" for t in result.types for m in t.learned["not_called"]}
    skipped += [(label, why) for label, why in sorted(result.excluded.items())
                if label not in shown and not any(label.startswith((f"{t.name}.", f"target.{t.name}("))
                                                  for t in result.types)]
    report.tables.append(Table(f"Auto-scenarios for {result.target}",
                               ("type", "factory", "methods raced", "not called", "trials judged", "verdicts"),
                               tuple(covered)))
    report.tables.append(Table("Methods raced", ("type", "methods (results compared unless marked ~)"),
                               tuple((t.name, ", ".join(m["name"] + ("" if m["compare"] else "~")
                                                        for m in t.learned["members"]))
                                     for t in result.types if t.result is not None)))
    if skipped:
        report.tables.append(Table("Not called", ("method", "why"), tuple(skipped)))
    raced_types = sum(1 for t in result.types if t.result is not None)
    methods = sum(len(t.learned["members"]) for t in result.types if t.result is not None)
    report.checked = (f"{raced_types} type{'s' * (raced_types != 1)}, {methods} method{'s' * (methods != 1)} "
                      f"raced; {trials} trial{'s' * (trials != 1)} judged")
    report.interrupted = result.interrupted
    report.data = {"auto": {"target": result.target, "module": result.module, "types": types_data,
                            "calls_learned": result.calls_learned, "excluded": result.excluded,
                            "scenario_dir": str(result.scenario_dir) if result.scenario_dir else None},
                   "trials": trials}
    return report
