"""`ftkit stress --tsan` end to end: the ThreadSanitizer build of 3.14t (make prepare), ftkit built with
-fsanitize=thread in its venv, the racy counter fixture and its critical-section twin built for it."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftkit.report import Subject
from ftkit.stress import tsan
from harness import manifest, venvs
from stress_support.racy import scenario_dir

SEEDS = (0, 1, 2)
TRIALS = "40"


def tsan_python() -> str:
    return str(venvs.python(manifest.FTKIT_TSAN))


def run_tsan(scenario: Path, seed: int, cwd: Path) -> subprocess.CompletedProcess:
    # The parent runs on this (plain 3.14t) interpreter; only the workers run under TSan.
    return subprocess.run(
        [sys.executable, "-m", "ftkit", "stress", str(scenario), "--tsan", "--python", tsan_python(),
         "--seed", str(seed), "--trials", TRIALS, "--replays", "0", "--no-minimise", "--format", "json"],
        capture_output=True, text=True, cwd=cwd, timeout=600,
        env={**os.environ, "PYTHONPATH": str(scenario.parent)})


def counter(fixed: bool, compile_extension, folder: Path) -> Path:
    build = functools.partial(compile_extension, python=tsan_python())
    return scenario_dir("counter", fixed, build, folder)


@pytest.mark.race
def test_racy_counter_is_a_data_race_with_both_stacks_and_its_twin_is_clean(compile_extension, tmp_path):
    racy = counter(False, compile_extension, tmp_path / "racy")
    found = 0
    for seed in SEEDS:
        proc = run_tsan(racy, seed, tmp_path)
        data = json.loads(proc.stdout)
        races = [f for f in data["findings"] if f["rule"] == "stress/tsan-data-race"]
        if not races:
            continue
        found += 1
        assert proc.returncode == 1
        # Deduplicated across trials and worker processes by the pair of top frames (incr's read or
        # write against incr's write, get's read against it): no pair twice.
        pairs = [tuple(sorted(s["frames"][0].split(" (")[0] for s in r["evidence"]["stacks"])) for r in races]
        assert len(set(pairs)) == len(pairs)
        for race in races:
            stacks = race["evidence"]["stacks"]
            assert len(stacks) == 2
            for stack in stacks:  # both accesses, each with its thread and the module's function on top
                assert " by thread T" in stack["heading"] or stack["heading"].endswith("by main thread")
                assert stack["frames"][0].startswith("Counter_"), stack
            assert stacks[1]["heading"].startswith("Previous ")  # TSan's order: this access, then the earlier
            assert any(s["heading"].startswith(("Write", "Previous write")) for s in stacks)  # one writes
            assert "Counter_incr" in " ".join(race["message"].split())
            # The object comes from CPython's mimalloc heap, which TSan does not describe as a block.
            assert race["evidence"]["location"] is None
        assert not [f for f in data["findings"] if f["rule"] == "stress/tsan-not-instrumented"]
        assert data["data"]["tsan"]["suppressions"].endswith(tsan.TSAN_SUPPRESSIONS)
    assert found == len(SEEDS), f"the data race was reported in {found} of {len(SEEDS)} seeds"

    fixed = counter(True, compile_extension, tmp_path / "fixed")
    for seed in SEEDS:
        proc = run_tsan(fixed, seed, tmp_path)
        data = json.loads(proc.stdout)
        assert data["findings"] == [], data["findings"]  # CPython's suppressions: no false report
        assert data["data"]["tsan"]["reports"] == 0
        assert data["data"]["verdicts"] == {"passed": int(TRIALS)}
        assert proc.returncode == 0, proc.stderr


def test_a_module_built_without_tsan_is_a_warning(compile_extension, tmp_path):
    # The same fixture compiled for the plain 3.14t: it loads in the TSan interpreter (same ABI) but
    # carries no instrumentation, so --tsan says its races are invisible.
    plain = scenario_dir("counter", True, compile_extension, tmp_path / "plain")
    proc = run_tsan(plain, 0, tmp_path)
    data = json.loads(proc.stdout)
    (warning,) = [f for f in data["findings"] if f["rule"] == "stress/tsan-not-instrumented"]
    assert warning["subject"]["name"].startswith("fcounter")
    assert proc.returncode == 1


def test_an_interpreter_without_tsan_is_one_line_and_exit_2(tmp_path):
    scenario = tmp_path / "s.py"
    scenario.write_text("from ftkit.stress import Scenario\nscenario = Scenario(list)\n"
                        "scenario.op(lambda l: l.append(1), name='append')\n")
    proc = subprocess.run([sys.executable, "-m", "ftkit", "stress", str(scenario), "--tsan"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "is not a ThreadSanitizer build" in proc.stderr
    assert "ftkit bootstrap 3.14t-tsan" in proc.stderr


def test_bootstrap_built_the_tsan_variant_beside_cpythons_suppressions():
    from ftkit.interpreters import cache
    from harness.interpreters import interpreter

    variant = cache.Variant.parse(manifest.TSAN_INTERPRETER)
    python = interpreter(manifest.TSAN_INTERPRETER)
    assert python == str(cache.interpreter_path(variant)) and python.endswith("/3.14t-tsan/bin/python3.14t")
    suppressions = (cache.prefix_dir(variant) / tsan.TSAN_SUPPRESSIONS).read_text()
    assert "race_top:" in suppressions  # CPython's Tools/tsan/suppressions_free_threading.txt
    marker = json.loads((cache.prefix_dir(variant) / cache.MARKER).read_text())
    assert marker["free_threaded"] is True and marker["gil_enabled"] is False
    run = tsan.TsanRun.for_interpreter(python)
    assert run.suppressions == cache.prefix_dir(variant) / tsan.TSAN_SUPPRESSIONS


# Real ThreadSanitizer logs (clang 14, `TSAN_OPTIONS=log_path=...`) of the programs beside them in
# tests/stress_support/tsan/: what the parser reads, without the interpreter.
LOGS = Path(__file__).parent / "stress_support" / "tsan"


def test_a_data_race_report_gives_both_accesses_their_threads_and_the_heap_block():
    (report,) = tsan.parse((LOGS / "data_race.log").read_text())
    assert report.kind == "data race" and report.summary.startswith("data race ")
    first, previous = report.accesses
    assert first.heading.startswith("Write of size 8") and first.heading.endswith("by thread T2")
    assert previous.heading.startswith("Previous write of size 8") and previous.heading.endswith("by thread T1")
    assert first.frames[0].text == "Counter_incr /tmp/tsanwork/race.c:6:57 (race+0xd00ff)"  # BuildId dropped
    assert first.top_user_frame().where == "Counter_incr /tmp/tsanwork/race.c:6"
    assert report.location.heading.startswith("Location is heap block of size 8")
    assert [t.split(" (")[0] for t in report.threads] == ["Thread T2", "Thread T1"]
    f = tsan.finding(report, 3, {1, 2}, Subject("scenario", "s.py"))
    assert f.rule == "stress/tsan-data-race" and f.severity.value == "error"
    assert ("Write of size 8 by thread T2 in Counter_incr /tmp/tsanwork/race.c:6; Previous write of size 8 by "
            "thread T1 in Counter_incr") in f.message
    assert "location: heap block of size 8" in f.message and "seen 3 times in 2 worker processes" in f.message
    assert len(f.evidence["stacks"]) == 2 and f.evidence["location"]["frames"][0].startswith("calloc")


def test_use_after_free_and_lock_order_reports_have_their_own_rules():
    (uaf,) = tsan.parse((LOGS / "heap_use_after_free.log").read_text())
    assert uaf.kind == "heap-use-after-free"
    assert [s.top_user_frame().function for s in uaf.accesses] == ["Buffer_read", "free"]
    (inversion,) = tsan.parse((LOGS / "lock_order_inversion.log").read_text())
    assert inversion.kind == "lock-order-inversion (potential deadlock)"
    assert [s.heading.split(" in ")[0] for s in inversion.accesses] == [
        "Mutex M1 acquired here while holding mutex M0", "Mutex M0 acquired here while holding mutex M1"]
    rules = [tsan.finding(r, 1, {1}, Subject("scenario", "s.py")).rule for r in (uaf, inversion)]
    assert rules == ["stress/tsan-heap-use-after-free", "stress/tsan-report"]


def test_reports_of_one_race_from_many_processes_fold_into_one(tmp_path):
    text = (LOGS / "data_race.log").read_text()
    (tmp_path / "tsan.100").write_text(text)
    (tmp_path / "tsan.200").write_text(text.replace("pid=31918", "pid=200") + text.replace("pid=31918", "pid=200"))
    (tmp_path / "tsan.300").write_text((LOGS / "heap_use_after_free.log").read_text())
    folded = tsan.collect(tmp_path)
    assert [(r.kind, n, sorted(p)) for r, n, p in folded] == [
        ("data race", 3, [200, 31918]), ("heap-use-after-free", 1, [32433])]


def test_instrumented_means_the_tsan_runtime_is_referenced(compile_extension):
    from harness.sources import multi_phase

    plain = compile_extension(multi_phase("tsanplain", "not_used"), "tsanplain")
    assert not tsan.instrumented(str(plain))
    # compile_ext adds -fsanitize=thread for a TSan interpreter, as setuptools does from its sysconfig.
    built = compile_extension(multi_phase("tsanbuilt", "not_used"), "tsanbuilt", python=tsan_python())
    assert tsan.instrumented(str(built))


def test_doctor_lists_the_tsan_build_and_no_command_picks_it():
    proc = subprocess.run([sys.executable, "-m", "ftkit", "doctor", "--format", "json"], capture_output=True,
                          text=True, timeout=300)
    data = json.loads(proc.stdout)
    (listed,) = [i for i in data["data"]["interpreters"] if "/3.14t-tsan/" in i["path"]]
    assert listed["source"] == "ftkit cache (tsan)" and listed["free_threaded"] is True
    assert all(c is None or "/3.14t-tsan/" not in c["path"] for c in data["data"]["chosen"].values())
