"""fold(): hand-built event logs -> findings and trial counts, without processes or threads."""

from __future__ import annotations

from ftkit.stress.data import CRASH, HANG, INCONCLUSIVE, NOT_LINEARIZABLE, StressOptions, StressResult, TrialCounts
from ftkit.stress.driver import in_flight
from ftkit.stress.fold import fold

START = {"event": "start", "ops": ["set", "det"]}


def run(first: int, count: int) -> dict:
    return {"event": "run", "first": first, "count": count}


def finding(trial: int, verdict: str = NOT_LINEARIZABLE, at: float = 0.0) -> dict:
    return {"event": "finding", "trial": trial, "verdict": verdict, "detail": {"timeline": [f"t{trial}"]},
            "steps": [[[0, 1, "none", 0]]], "calls": [["set(1)"]], "at": at}


def died(trial: int, signal: str | None = "SIGSEGV", returncode: int = -11) -> dict:
    return {"event": "died", "trial": trial, "slots": [[2, 1], [1, 1]], "returncode": returncode,
            "signal": signal, "stderr": "Fatal Python error: Segmentation fault"}


def test_a_clean_run_counts_every_trial_as_passed():
    findings, counts, error = fold([START, run(0, 100), {"event": "progress", "done": 40},
                                    {"event": "end", "done": 100}], planned=100, seed=3)
    assert findings == [] and error is None
    assert counts == TrialCounts(planned=100, judged=100, verdicts={"passed": 100})


def test_a_finding_stops_the_run_and_is_dated_and_counted():
    findings, counts, _ = fold([START, run(0, 100), finding(41, at=2.5), {"event": "end", "done": 42}], 100, 3)
    (f,) = findings
    assert (f.verdict, f.trial, f.seed, f.found_after_s) == (NOT_LINEARIZABLE, 41, 3, 2.5)
    assert f.calls == [["set(1)"]] and f.detail["timeline"] == ["t41"]
    assert counts.judged == 42 and counts.verdicts == {NOT_LINEARIZABLE: 1, "passed": 41}


def test_a_crash_counts_the_trials_before_it_without_waiting_for_progress_events():
    # keep-going: the worker died in trial 7 of 0..9 (progress had said 3), a new one did 8..9.
    log = [START, run(0, 10), {"event": "progress", "done": 3}, died(7),
           START, run(8, 2), {"event": "end", "done": 2}]
    findings, counts, error = fold(log, 10, 0)
    (f,) = findings
    assert error is None
    assert f.verdict == CRASH and f.trial == 7 and f.steps == [] and f.detail["signal"] == "SIGSEGV"
    assert f.detail["slots"] == [[2, 1], [1, 1]]
    assert counts == TrialCounts(10, 10, {CRASH: 1, "passed": 9})


def test_a_crash_after_the_trial_was_judged_is_one_finding_keeping_the_timeline():
    findings, counts, _ = fold([START, run(0, 10), finding(4), died(4)], 10, 0)
    (f,) = findings
    assert f.verdict == CRASH and f.detail["judged_before"] == NOT_LINEARIZABLE
    assert f.detail["timeline"] == ["t4"]
    assert counts.judged == 5 and counts.verdicts == {CRASH: 1, "passed": 4}


def test_a_hang_in_the_first_trial_of_a_request_before_it_was_marked():
    hang = {"event": "hang", "trial": -1, "slots": [[1, 0]], "seconds": 10.2, "stderr": "Thread 0x"}
    findings, counts, _ = fold([START, run(20, 5), hang], 25, 0)
    assert [(f.verdict, f.trial, f.detail["seconds"]) for f in findings] == [(HANG, 20, 10.2)]
    assert counts.judged == 1


def test_inconclusive_trials_are_all_counted_but_reported_once():
    log = [START, run(0, 50), finding(3, INCONCLUSIVE), finding(9, INCONCLUSIVE), {"event": "end", "done": 50}]
    findings, counts, _ = fold(log, 50, 0)
    assert [f.trial for f in findings] == [3]
    assert counts.verdicts == {INCONCLUSIVE: 2, "passed": 48}


def test_a_worker_that_exits_before_starting_is_an_error_not_a_pass():
    # `--python /bin/true`, or a scenario calling sys.exit(0) while it is imported
    findings, counts, error = fold([died(-1, signal=None, returncode=0)], 2000, 0)
    assert findings == [] and counts.judged == 0
    assert "before running a trial" in error and "exit code 0" in error


def test_a_crash_while_importing_the_scenario_is_a_finding_at_trial_minus_one():
    findings, counts, error = fold([died(-1)], 2000, 0)
    assert [(f.verdict, f.trial) for f in findings] == [(CRASH, -1)] and error is None
    assert counts.judged == 0


def test_an_operation_exiting_the_process_with_code_0_is_an_error_and_its_trial_is_not_judged():
    findings, counts, error = fold([START, run(0, 100), died(12, signal=None, returncode=0)], 100, 0)
    assert findings == [] and "exited with code 0 during trial 12" in error
    assert counts.judged == 12 and counts.verdicts == {"passed": 12}


def test_error_events_are_the_run_error():
    _, _, error = fold([{"event": "gil", "message": "the GIL is enabled"}], 10, 0)
    assert error == "the GIL is enabled"


def result_of(counts: TrialCounts, **options) -> StressResult:
    return StressResult("s.py", StressOptions(**options), counts)


def test_judging_fewer_trials_than_planned_is_a_shortfall_unless_asked_for():
    assert result_of(TrialCounts(2000, 2000, {"passed": 2000}), trials=2000).shortfall() is None
    none_judged = result_of(TrialCounts(2000, 0, {}), trials=2000).shortfall()
    assert none_judged == "no trial was judged (0 of 2000 planned)"
    assert "only 12 of 2000" in result_of(TrialCounts(2000, 12, {"passed": 12}), trials=2000).shortfall()
    # The default run is budgeted in time: fewer trials than the cap is what it asks for.
    assert result_of(TrialCounts(2**62, 12, {"passed": 12})).shortfall() is None
    assert result_of(TrialCounts(2**62, 0, {})).shortfall() == "no trial was judged (0 of 30 s planned)"
    # A time budget asks for fewer, but never for none.
    assert result_of(TrialCounts(2000, 12, {"passed": 12}), duration=5).shortfall() is None
    assert result_of(TrialCounts(2000, 0, {}), duration=5).shortfall() is not None


def test_option_problems_are_usage_errors():
    assert StressOptions().problems() == []
    assert StressOptions(timeout=0).problems() == ["--timeout must be a number of seconds above 0, got 0"]
    assert StressOptions(seed=-1).problems() == ["--seed must be at least 0"]
    assert StressOptions(first_trial=-5).problems() == ["--first-trial must be at least 0"]
    assert StressOptions(duration=float("nan")).problems()[0].startswith("--duration must be")
    assert StressOptions(threads=0, strategy="x").problems() == [
        "--threads must be at least 1", "--strategy must be one of adaptive, collide, random, pct, none, got 'x'"]


def test_in_flight_names_the_started_unfinished_operation_per_thread():
    calls = [["set(1)", "det()"], ["det()", "set(2)"]]
    assert in_flight([[2, 1], [1, 1]], calls) == ["thread 0: det()"]
    assert in_flight([[0, 0], [2, 1]], calls) == ["thread 1: set(2)"]


def test_a_request_cut_short_counts_what_its_progress_and_findings_showed():
    # Ctrl-C: the log ends inside a request (keep-going), after progress 30 and a finding at 41.
    log = [START, run(0, 100), {"event": "progress", "done": 30}, finding(41)]
    findings, counts, _ = fold(log, 100, 0)
    assert [f.trial for f in findings] == [41]
    assert counts == TrialCounts(100, 42, {NOT_LINEARIZABLE: 1, "passed": 41})
    interrupted = StressResult("s.py", StressOptions(trials=100), counts, findings, interrupted=True)
    assert interrupted.shortfall() == "the run was interrupted after 42 of 100 planned trials"


def test_a_long_keep_going_run_keeps_the_first_findings_of_each_verdict_and_counts_all():
    log = [START, run(0, 1000), *(finding(t) for t in range(0, 1000, 2)), died(999)]
    findings, counts, _ = fold(log, 1000, 0)
    assert [f.trial for f in findings] == [*range(0, 40, 2), 999]
    assert counts == TrialCounts(1000, 1000, {NOT_LINEARIZABLE: 500, CRASH: 1, "passed": 499})


def test_a_crash_merging_with_a_finding_that_was_not_kept_still_counts_the_trial_once():
    log = [START, run(0, 100), *(finding(t) for t in range(25)), died(24)]
    findings, counts, _ = fold(log, 100, 0)
    assert len(findings) == 21 and findings[-1].verdict == CRASH
    assert findings[-1].detail["judged_before"] == NOT_LINEARIZABLE
    assert counts.judged == 25 and counts.verdicts == {NOT_LINEARIZABLE: 24, CRASH: 1}
