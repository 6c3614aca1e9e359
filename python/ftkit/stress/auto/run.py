"""`ftkit stress --auto MODULE[:TYPE]`, the parent side: learn, write scenarios, race them.

Learning runs in a stress worker session (session.py) whose scenario file is learn.py's entry:
the worker imports the target and learns while it loads, as any worker loads a scenario. When it
dies or hangs there, the journal's last line names the call that did it alone, single-threaded:
that method (or constructor call) is excluded, reported as such, and learning starts again.
Each type learned becomes a scenario file (render.py) that the ordinary StressRun races: one
engine, one checker, one repro writer for written and generated scenarios alike. A crash or hang
that the trial's calls also cause on one thread (alone.py) is the method's own: it is excluded
and the type raced again without it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..data import StressOptions, StressResult
from ..driver import StressRun
from ..session import WorkerSession
from . import alone, learn, render

MAX_RESTARTS = 20  # methods that kill the worker alone, excluded one per restart


class AutoError(Exception):
    """The target cannot be used: not importable, no public types, nothing callable (exit 2)."""


@dataclass
class TypeRun:
    name: str
    learned: dict[str, Any]
    scenario: Path | None = None
    result: StressResult | None = None


@dataclass
class AutoResult:
    target: str
    module: str
    types: list[TypeRun] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # call or method -> why, from lone crashes/hangs
    calls_learned: int = 0
    scenario_dir: Path | None = None
    interrupted: bool = False


def parse_target(target: str) -> tuple[str, str | None]:
    module, _, type_name = target.partition(":")
    if not module or not all(part.isidentifier() for part in module.split(".")) or (
            type_name and not type_name.isidentifier()):
        raise AutoError(f"--auto takes MODULE or MODULE:TYPE (a module name, a class name), got {target!r}")
    return module, type_name or None


def learn_target(python: str, module: str, type_name: str | None, timeout: float, work: Path):
    """(learned JSON, excluded calls, calls made): learning again after each lone crash or hang."""
    excluded: dict[str, str] = {}
    for attempt in range(MAX_RESTARTS + 1):
        journal, output = work / f"journal{attempt}.txt", work / f"learned{attempt}.json"
        config = {"module": module, "type": type_name, "journal": str(journal), "output": str(output),
                  "excluded": excluded}
        entry = work / f"learn{attempt}.py"
        entry.write_text('"""`ftkit stress --auto`: the learning pass, loaded by a stress worker."""\n'
                         "import json\n\nfrom ftkit.stress.auto.learn import learn_scenario\n\n"
                         f"scenario = learn_scenario(json.loads({json.dumps(config)!r}))\n")
        session = WorkerSession(python, str(entry), None, 1, timeout)
        try:
            events = list(session.open())
        finally:
            session.close()
        last = events[-1] if events else {"event": "died", "stderr": "", "signal": None, "returncode": None}
        answer = json.loads(output.read_text()) if output.is_file() else None
        if last["event"] == "start" and answer:
            return answer, excluded
        if answer and "error" in answer:
            raise AutoError(answer["error"])
        if last["event"] in ("error", "gil"):
            raise AutoError(last.get("message", "the worker could not load the target"))
        culprit = _last_call(journal)
        if culprit is None:
            why = last.get("signal") or f"exit code {last.get('returncode')}"
            tail = (last.get("stderr") or "").strip().splitlines()[-1:] or [""]
            raise AutoError(f"the worker died importing {module!r} ({why}) before calling anything: {tail[0]}")
        label, text, hung = culprit
        if hung:
            excluded[label] = f"hangs alone, single-threaded: {text} did not return in {learn.HANG_SECONDS:g} s"
        else:
            why = last.get("signal") or f"exit code {last.get('returncode')}"
            excluded[label] = f"crashes alone, single-threaded: {text} killed the process ({why})"
    raise AutoError(f"more than {MAX_RESTARTS} calls crashed or hung alone; excluded: {', '.join(excluded)}")


def _last_call(journal: Path) -> tuple[str, str, bool] | None:
    """(label, call text, hung) of the journal's last call, or None when there was none."""
    if not journal.is_file():
        return None
    lines = journal.read_text(encoding="utf-8", errors="replace").splitlines()
    calls = [line.split("\t") for line in lines if line.startswith("CALL\t")]
    if not calls:
        return None
    hung = bool(lines) and lines[-1].startswith("HANG\t")
    _, label, text = (calls[-1] + ["", ""])[:3]
    return label, text, hung


def scenario_folder(preferred: Path | None) -> Path:
    """Where the generated scenario files go: beside the repro scripts, else a temporary folder
    (an unwritable --repro-dir must not stop the run; issue 12)."""
    if preferred is not None:
        try:
            folder = preferred / "auto-scenarios"
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".ftkit-write-test"
            probe.write_text("")
            probe.unlink()
            return folder
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="ftkit-auto-scenarios-"))


def run_auto(target: str, options: StressOptions,
             on_progress: Callable[[int, int], None] | None = None) -> AutoResult:
    module, type_name = parse_target(target)
    result = AutoResult(target, module)
    with tempfile.TemporaryDirectory(prefix="ftkit-auto-") as work:
        answer, result.excluded = learn_target(options.python, module, type_name, options.timeout, Path(work))
    result.calls_learned = answer.get("calls", 0)
    result.types = [TypeRun(name, learned) for name, learned in answer["types"].items()]
    raceable = [t for t in result.types if t.learned["members"]]
    if not raceable:
        why = "; ".join(f"{t.name}: {_why_not(t.learned)}" for t in result.types)
        raise AutoError(f"no public type of {module!r} could be called ({why})")
    result.scenario_dir = scenario_folder(options.output_dir)
    per_type = options.duration / len(raceable) if options.duration else None
    # A run budgeted in time only (the default) has no trial total to show progress against.
    done_before, total = 0, options.trials * len(raceable) if options.trials is not None else None
    for t in raceable:
        t.scenario = result.scenario_dir / f"auto_{module.replace('.', '_')}_{t.name}.py"
        opts = StressOptions(**{**vars(options), "duration": per_type, "attribute": None})
        progress = (lambda done, _, base=done_before: on_progress(base + done, total)) if on_progress else None
        for _ in range(MAX_RESTARTS):  # a crash the calls make on one thread too: exclude, race again
            t.scenario.write_text(render.render(module, t.name, t.learned))
            t.result = StressRun(str(t.scenario), opts, progress).run()
            found = next(filter(None, (alone.culprit(options.python, t.scenario, f, options.timeout)
                                       for f in t.result.findings)), None)
            if found is None or t.result.interrupted:
                break
            method, why = found
            t.learned["members"] = [m for m in t.learned["members"] if m["name"] != method]
            t.learned["not_called"][method] = why
            if not t.learned["members"]:
                t.result = None
                break
        judged = t.result.counts.judged if t.result else 0
        done_before += options.trials if options.trials is not None else judged
        if t.result is not None and t.result.interrupted:
            result.interrupted = True
            break
    return result


def _why_not(learned: dict[str, Any]) -> str:
    if learned["factory"] is None:
        return f"no constructor call worked ({learned['constructors_tried']} tried)"
    return "no method could be called" if learned["not_called"] else "no public methods"
