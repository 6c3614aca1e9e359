"""A StressResult as ftkit findings: one per distinct failure, with the command that replays it."""

from __future__ import annotations

import shlex
from pathlib import Path

from .. import rules
from ..report import Confidence, Finding, Report, Subject, Table
from .data import (
    CRASH,
    EXCEPTION,
    HANG,
    INCONCLUSIVE,
    INVARIANT,
    NOT_LINEARIZABLE,
    StressFinding,
    StressOptions,
    StressResult,
)

# Verdict -> what its message starts with (rule ids are "stress/" + verdict; severities and fixes
# are the rule table's, python/ftkit/rules.py).
WHAT = {
    CRASH: "the process crashed",
    HANG: "a trial hung",
    EXCEPTION: "an operation raised where no serial order raises",
    INVARIANT: "the scenario's invariant failed after a trial",
    NOT_LINEARIZABLE: "results that no serial order explains",
    INCONCLUSIVE: "the checker's budget ran out",
}


def replay_command(scenario: str, o: StressOptions, trial: int, strategy: str | None = None,
                   debug_alloc: bool = False) -> str:
    """The command that runs that one trial's plan again: with the strategy the trial ran with
    (an adaptive run chooses one per trial; seed, trial and strategy fix the plan)."""
    target = scenario + (f":{o.attribute}" if o.attribute else "")
    return shlex.join(["ftkit", "stress", target, "--seed", str(o.seed), "--threads", str(o.threads),
                       "--ops", str(o.ops), "--strategy", strategy or o.strategy, "--pct-depth", str(o.pct_depth),
                       *(["--debug-alloc"] if debug_alloc else []), "--first-trial", str(trial), "--trials", "1"])


def tried(result: StressResult) -> list[tuple[str, str]]:
    """What a run tried, in words, one (what, how) row each: the plan strategies, the operation
    pairs that ran at the same time, the allocator."""
    c, o = result.counts, result.options
    kinds = len(result.ops)
    possible = kinds * (kinds + 1) // 2
    rows = [("trial shape", f"{o.threads} threads x {o.ops} operations")]
    if c.tried:
        rows.append(("plans", ", ".join(f"{k} {n}" for k, n in sorted(c.tried.items(), key=lambda kv: -kv[1]))))
    if c.tried and possible:
        rows.append(("operation pairs", f"{len(c.overlapped)} of {possible} ran at the same time (one of them "
                                        f"mutating); {c.overlap:.0%} of such pairs overlapped per trial"))
    if o.debug_alloc:
        rows.append(("freed memory", "poisoned in every trial (PYTHONMALLOC=debug)"))
    elif o.debug_alloc is None and o.duration is not None:
        rows.append(("freed memory", "poisoned (PYTHONMALLOC=debug) in alternate time slices"))
    return rows


def to_report(result: StressResult) -> Report:
    report = Report("stress")
    o = result.options
    name = Path(result.scenario).name
    subject = Subject("scenario", name, path=result.scenario)
    if result.error:
        report.findings.append(rules.finding("stress/not-run", subject, result.error,
                                             confidence=Confidence.PROVEN))
    shortfall = result.shortfall()
    if shortfall:
        message = shortfall if result.interrupted else \
            f"{shortfall}: a run that judged fewer trials than it planned tested less than it claims"
        no_fix = {"fix": None} if result.interrupted else {}  # nothing to fix: the user stopped it
        report.findings.append(rules.finding("stress/incomplete", subject, message, confidence=Confidence.PROVEN,
                                             **no_fix))
    for f in result.findings:
        report.findings.append(_finding(result, f, subject))
    report.data = {
        "scenario": result.scenario,
        "operations": result.ops,
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(o).items()},
        "trials": result.counts.judged,
        "trials_planned": result.options.trials,
        "tried": {"strategies": result.counts.tried, "overlapped_pairs": result.counts.overlapped,
                  "overlap": round(result.counts.overlap, 4)},
        "verdicts": result.counts.verdicts,
        "elapsed_s": round(result.elapsed_s, 3),
        "interrupted": result.interrupted,
        "findings": [{"verdict": f.verdict, "seed": f.seed, "trial": f.trial,
                      "found_after_s": round(f.found_after_s, 3), "strategy": f.strategy, "plan": f.calls,
                      "minimal_plan": f.minimal_calls, "replay": f.replay.as_dict() if f.replay else {},
                      "repro": f.repro}
                     for f in result.findings],
    }
    judged = result.counts.judged
    trials = f"{judged} trial{'' if judged == 1 else 's'}"
    report.checked = f"{trials} judged"
    if result.interrupted:
        report.checked += "; interrupted"
    elif not result.findings and not result.error and not shortfall:
        # A clean run is evidence, not proof: say how much (and, in a table, what was tried).
        report.checked = f"no race found in {trials} (not a proof)"
    columns = ("scenario", "threads x ops", "strategy", "seed", "trials judged", "verdicts", "seconds")
    report.tables.append(Table("Stress run", columns,
                               ((name, f"{o.threads} x {o.ops}", o.strategy, str(o.seed),
                                 f"{judged}" if o.trials is None else f"{judged} of {o.trials}",
                                 ", ".join(f"{k} {v}" for k, v in sorted(result.counts.verdicts.items())) or "-",
                                 f"{result.elapsed_s:.1f}"),)))
    if not result.error and not result.findings:  # a clean run says what it tried
        report.tables.append(Table("What was tried", ("what", "how"), tuple(tried(result))))
    return report


def _finding(result: StressResult, f: StressFinding, subject: Subject) -> Finding:
    o = result.options
    rule, what = f"stress/{f.verdict}", WHAT.get(f.verdict, f.verdict)
    d = f.detail
    where = (f"trial {f.trial} (seed {o.seed}, {f.strategy or o.strategy}, {len(f.calls)} threads x {o.ops} ops)"
             if f.trial >= 0
             else "the worker while it imported the scenario, before any trial")
    if f.verdict == CRASH:
        sig = d.get("signal") or f"exit code {d.get('returncode')}"
        flight = "; ".join(d.get("in_flight") or []) or (
            "none (every operation had returned: the crash came while judging or freeing the trial, "
            "or from memory corrupted earlier)")
        message = f"{what} ({sig}) in {where}; operations in flight: {flight}"
    elif f.verdict == HANG:
        flight = "; ".join(d.get("in_flight") or []) or "none"
        message = f"{what} for more than {d.get('seconds')} s in {where}; operations in flight: {flight}"
    elif f.verdict == INVARIANT:
        message = f"{what} ({d.get('invariant')}) in {where}"
    elif f.verdict == EXCEPTION:
        message = f"{what} ({d.get('exception')}) in {where}: {'; '.join(d.get('window', []))}"
    else:
        message = f"{what} in {where}: {'; '.join(d.get('window', []))}"
    replay = f.replay
    if replay:
        message += (f". The same plan reproduced it {replay.reproduced} of {replay.attempts} replays "
                    "(real threads interleave differently each time)")
        if replay.other_verdicts:
            seen = ", ".join(f"{n} {v}" for v, n in sorted(replay.other_verdicts.items()))
            message += f"; the replays also saw: {seen}"
    message += f". Replay: {replay_command(result.scenario, o, f.trial, f.strategy, f.debug_alloc)}"
    if f.repro:
        message += f"; standalone repro: {f.repro}"
        if d.get("repro_check"):
            message += f" ({d['repro_check']})"
    elif d.get("repro_error"):  # no script, or one that fails alone: said, never left out silently
        message += f"; {d['repro_error']}"
    evidence = {
        "seed": f.seed, "trial": f.trial, "strategy": f.strategy or o.strategy,
        "replay_command": replay_command(result.scenario, o, f.trial, f.strategy, f.debug_alloc),
        "found_after_s": round(f.found_after_s, 3),
        "plan": [f"thread {t}: " + ", ".join(ops) for t, ops in enumerate(f.calls)],
    }
    if replay:
        evidence["replay"] = replay.as_dict()
    if f.minimal_calls:
        evidence["minimal_plan"] = [f"thread {t}: " + ", ".join(ops) for t, ops in enumerate(f.minimal_calls)]
    if d.get("timeline"):
        evidence["timeline"] = d["timeline"]
    if f.repro:
        evidence["repro_script"] = f.repro
    if d.get("repro_check"):
        evidence["repro_check"] = d["repro_check"]
    if d.get("repro_error"):
        evidence["repro_error"] = d["repro_error"]
    if d.get("stderr"):
        evidence["stderr_tail"] = d["stderr"]
    if d.get("judged_before"):
        evidence["judged_before_crash"] = d["judged_before"]
    if "checker" in d:
        evidence["checker"] = d["checker"]
    return rules.finding(rule, subject, message, evidence=evidence, confidence=Confidence.PROVEN)
