"""`ftkit stress` as a user runs it: exit codes, JSON, crash and hang isolation, verdict kinds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from harness.sources import multi_phase
from stress_support.racy import scenario_dir

FTKIT = [sys.executable, "-m", "ftkit"]


def ftkit_stress(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, "stress", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


HANGS = """
    import threading
    lock = threading.Lock()

    def wait_forever(obj):
        lock.acquire()                 # the second call never returns

    scenario = Scenario(list)
    scenario.op(wait_forever, name="wait_forever")
"""


def write_scenario(folder: Path, body: str, name: str = "scenario.py") -> Path:
    path = folder / name
    path.write_text("from ftkit.stress import Scenario, ints\n" + textwrap.dedent(body))
    return path


@pytest.mark.race
def test_corrected_module_exits_0_and_racy_exits_1_with_json(compile_extension, tmp_path):
    fixed = scenario_dir("counter", True, compile_extension, tmp_path / "fixed")
    proc = ftkit_stress(fixed, "--trials", "200", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["command"] == "stress" and data["findings"] == []
    assert data["data"]["verdicts"] == {"passed": 200}

    racy = scenario_dir("counter", False, compile_extension, tmp_path / "racy")
    proc = ftkit_stress(racy, "--trials", "20000", "--replays", "50",
                        "--minimise-seconds", "15", "--format", "json", "--output", tmp_path / "out" / "r.json",
                        cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads((tmp_path / "out" / "r.json").read_text())
    (finding,) = data["findings"]
    assert finding["rule"] == "stress/not-linearizable"
    evidence = finding["evidence"]
    assert evidence["replay_command"].startswith("ftkit stress ")
    assert "--first-trial" in evidence["replay_command"]
    assert evidence["timeline"] and evidence["plan"]
    # Repro scripts go next to the report by default.
    assert Path(evidence["repro_script"]).parent == tmp_path / "out"


@pytest.mark.slow
def test_segfaults_are_findings_and_the_run_goes_on(tmp_path):
    scenario = write_scenario(tmp_path, """
        import ctypes, itertools
        calls = itertools.count()

        def poke(obj):
            if next(calls) == 25:          # the 26th call in each worker process
                ctypes.string_at(0)        # SIGSEGV
            obj.append(1)

        scenario = Scenario(list)
        scenario.op(poke, name="poke")
    """)
    proc = ftkit_stress(scenario, "--trials", "12", "--keep-going", "--replays", "3", "--no-minimise",
                        "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    crashes = [f for f in data["findings"] if f["rule"] == "stress/crash"]
    # Trials of 10 calls: each worker crashes in its third trial and a new one takes over.
    assert len(crashes) >= 3
    assert all("SIGSEGV" in f["message"] and "poke()" in f["message"] for f in crashes)
    assert "Fatal Python error: Segmentation fault" in crashes[0]["evidence"]["stderr_tail"]
    assert data["data"]["trials"] == 12
    assert data["data"]["verdicts"]["passed"] >= 6  # earlier trials were not lost


@pytest.mark.slow
def test_a_hang_is_a_finding_with_the_operations_in_flight(tmp_path):
    scenario = write_scenario(tmp_path, HANGS)
    proc = ftkit_stress(scenario, "--trials", "5", "--timeout", "2", "--replays", "1", "--no-minimise",
                        "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "stress/hang"
    assert "wait_forever()" in finding["message"]
    assert "wait_forever" in finding["evidence"]["stderr_tail"]  # faulthandler's stacks


@pytest.mark.race
def test_invariant_and_unexpected_exception_verdicts(tmp_path):
    invariant = write_scenario(tmp_path, """
        scenario = Scenario(list, invariant=lambda lst: len(lst) < 7)
        scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 3)], name="append")
    """, "invariant.py")
    proc = ftkit_stress(invariant, "--trials", "5", "--replays", "5", "--no-minimise", "--format", "json",
                        cwd=tmp_path)
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "stress/invariant-broken"
    assert finding["evidence"]["replay"]["reproduced"] == 5  # deterministic: every replay

    exception = write_scenario(tmp_path, """
        class Box:
            busy = False
            def use(self):
                if self.busy:
                    raise RuntimeError("used concurrently")
                self.busy = True
                for _ in range(2000):
                    pass
                self.busy = False

        scenario = Scenario(Box)
        scenario.op(lambda b: b.use(), name="use")
    """, "exception.py")
    proc = ftkit_stress(exception, "--trials", "20000", "--replays", "5", "--no-minimise",
                        "--format", "json", cwd=tmp_path)
    findings = json.loads(proc.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["stress/unexpected-exception"]
    assert "RuntimeError" in findings[0]["message"]


def test_a_module_that_enables_the_gil_is_an_environment_error(compile_extension, tmp_path):
    built = compile_extension(multi_phase("needs_gil", None), "needs_gil")
    (tmp_path / built.name).write_bytes(built.read_bytes())
    scenario = write_scenario(tmp_path, """
        import needs_gil
        scenario = Scenario(list)
        scenario.op(lambda lst: lst.append(1))
    """)
    proc = ftkit_stress(scenario, "--trials", "5", cwd=tmp_path)
    assert proc.returncode == 2
    assert "GIL is enabled" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["missing.py"], "no such scenario file"),
    (["scenario.py", "--threads", "0"], "--threads must be at least 1"),
    (["scenario.py", "--timeout", "0"], "--timeout must be a number of seconds above 0"),
    (["scenario.py", "--timeout", "nan"], "--timeout must be a number of seconds above 0"),
    (["scenario.py", "--duration", "0"], "--duration must be a number of seconds above 0"),
    (["scenario.py", "--seed", "-1"], "--seed must be at least 0"),
    (["scenario.py", "--first-trial", "-5"], "--first-trial must be at least 0"),
    (["scenario.py:nope"], "no Scenario named 'nope'"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    write_scenario(tmp_path, "scenario = Scenario(list)\nscenario.op(lambda lst: lst.append(1))\n")
    proc = ftkit_stress(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_first_trial_replays_the_same_plan(tmp_path):
    """The invariant depends only on the plan's arguments, so the finding is deterministic and
    `--first-trial K --trials 1` must show the same trial with the same plan."""
    scenario = write_scenario(tmp_path, """
        scenario = Scenario(list, invariant=lambda lst: sum(lst) < 60)
        scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 9)], name="append")
    """)
    first = json.loads(ftkit_stress(scenario, "--seed", "7", "--trials", "500", "--replays", "3", "--no-minimise",
                                    "--format", "json", cwd=tmp_path).stdout)["findings"][0]
    trial = first["evidence"]["trial"]
    assert trial > 0  # some earlier trials drew smaller arguments and passed
    command = first["evidence"]["replay_command"].split()
    assert command[:3] == ["ftkit", "stress", str(scenario)]
    again = json.loads(ftkit_stress(*command[2:], "--replays", "3", "--no-minimise", "--format", "json",
                                    cwd=tmp_path).stdout)["findings"][0]
    assert again["evidence"]["trial"] == trial
    assert again["evidence"]["plan"] == first["evidence"]["plan"]
    assert first["evidence"]["replay"] == {"reproduced": 3, "attempts": 3}


@pytest.mark.slow
@pytest.mark.parametrize("body, message", [
    ("import sys\nsys.exit(0)\nscenario = Scenario(list)\n", "before running a trial"),
    ("import os\nscenario = Scenario(list)\nscenario.op(lambda lst: os._exit(0), name='leave')\n",
     "exited with code 0 during trial 0"),
    ("import sys\nscenario = Scenario(list)\nscenario.op(lambda lst: sys.exit(0), name='leave')\n",
     "raised SystemExit"),
    ("def make():\n    raise KeyError('no')\n\nscenario = Scenario(make)\nscenario.op(lambda lst: None)\n",
     "raised KeyError: 'no' in make() at line 3 of scenario.py during trial 0"),
    ("scenario = Scenario(list, equal=lambda a, b: exit(0))\nscenario.op(lambda lst: lst.append(1))\n",
     "raised SystemExit"),
])
def test_a_scenario_that_ends_the_worker_never_passes(tmp_path, body, message):
    """Issue 12: zero trials judged must never read as "ok"; a broken scenario is exit 2, named."""
    scenario = write_scenario(tmp_path, body)
    proc = ftkit_stress(scenario, "--trials", "50", "--replays", "2", "--no-minimise", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_interpreter_that_runs_nothing_is_an_environment_error(tmp_path):
    scenario = write_scenario(tmp_path, "scenario = Scenario(list)\nscenario.op(lambda lst: lst.append(1))\n")
    proc = ftkit_stress(scenario, "--trials", "5", "--python", "/bin/true", cwd=tmp_path)
    assert proc.returncode == 2
    assert "/bin/true: not a Python interpreter" in proc.stderr  # the resolver's probe says so first


def test_a_clean_run_says_how_many_trials_it_judged(tmp_path):
    scenario = write_scenario(tmp_path, "scenario = Scenario(list)\nscenario.op(lambda lst: lst.append(1))\n")
    proc = ftkit_stress(scenario, "--trials", "30", "--color", "never", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # Issue 11 item 11: a clean run is not a proof, and says so.
    assert proc.stdout.strip().endswith("ftkit stress: ok (no findings; no race found in 30 trials (not a proof))")
    assert "What was tried" in proc.stdout and "threads x 5 operations" in proc.stdout


@pytest.mark.slow
def test_operations_printing_protocol_lines_to_stdout_change_nothing(tmp_path):
    """The worker's events travel on a pipe of their own: user output cannot forge one."""
    scenario = write_scenario(tmp_path, """
        import sys

        def chatty(lst):
            print('{"event": "error", "message": "forged"}')
            print('{"event": "end", "done": 0}', file=sys.stderr)
            lst.append(1)

        scenario = Scenario(list)
        scenario.op(chatty, name="chatty")
    """)
    proc = ftkit_stress(scenario, "--trials", "40", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["findings"] == [] and data["data"]["verdicts"] == {"passed": 40}


@pytest.mark.slow
def test_a_plan_too_long_for_argv_is_replayed(tmp_path):
    """Issue 12: 4 x 1000 steps (~150 KB of plan) used to fail with "Argument list too long"."""
    scenario = write_scenario(tmp_path, """
        scenario = Scenario(list, invariant=lambda lst: len(lst) < 3000)
        scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 10**12)], name="append")
    """)
    proc = ftkit_stress(scenario, "--threads", "4", "--ops", "1000", "--trials", "3", "--replays", "2",
                        "--no-minimise", "--format", "json", "--repro-dir", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "stress/invariant-broken"
    assert finding["evidence"]["replay"] == {"reproduced": 2, "attempts": 2}
    assert Path(finding["evidence"]["repro_script"]).is_file()


@pytest.mark.slow
def test_killing_ftkit_stress_kills_its_worker_too(tmp_path):
    """Issue 12: SIGKILL to the parent while an operation hangs left the worker running forever."""
    scenario = write_scenario(tmp_path, HANGS)
    progress_files = set(Path(tempfile.gettempdir()).glob("ftkit-stress-*"))
    parent = subprocess.Popen([*FTKIT, "stress", str(scenario), "--timeout", "600"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not children.read_text().split():
        time.sleep(0.1)
    (worker,) = map(int, children.read_text().split())
    time.sleep(2)  # into the hanging trial
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists() and \
            "zombie" not in Path(f"/proc/{worker}/status").read_text():
        time.sleep(0.1)
    alive = Path(f"/proc/{worker}").exists() and "zombie" not in Path(f"/proc/{worker}/status").read_text()
    assert not alive, f"worker {worker} outlived its parent"
    assert set(Path(tempfile.gettempdir()).glob("ftkit-stress-*")) <= progress_files  # none left behind


@pytest.mark.slow
def test_ctrl_c_reports_the_findings_so_far_marked_as_interrupted(tmp_path):
    """Issue 12: interrupting a --keep-going run used to discard every finding so far."""
    scenario = write_scenario(tmp_path, """
        scenario = Scenario(list, invariant=lambda lst: sum(lst) < 40)
        scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 9)], name="append")
    """)
    proc = subprocess.Popen([*FTKIT, "stress", str(scenario), "--trials", "100000000", "--keep-going",
                             "--format", "json"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    data = json.loads(out)
    rules = {f["rule"] for f in data["findings"]}
    assert rules == {"stress/invariant-broken", "stress/incomplete"}, rules
    assert data["data"]["interrupted"] is True and data["data"]["trials"] > 0
    incomplete = next(f for f in data["findings"] if f["rule"] == "stress/incomplete")
    assert incomplete["message"].startswith("the run was interrupted after ")


def test_one_worker_session_runs_replays_minimises_and_writes_the_repro(tmp_path):
    """Issue 10: a run, its replays, the minimiser's candidates, describing the plans and writing the
    repro script all go to one worker process (each used to start one of its own)."""
    from ftkit.stress import StressOptions
    from ftkit.stress.driver import StressRun

    scenario = write_scenario(tmp_path, """
        scenario = Scenario(list, invariant=lambda lst: len(lst) < 7)
        scenario.op(lambda lst, v: lst.append(v), args=[ints(0, 9)], name="append")
    """)
    stress_run = StressRun(str(scenario), StressOptions(seed=7, replays=20, minimise_seconds=30,
                                                         output_dir=tmp_path / "out"))
    result = stress_run.run()
    (finding,) = result.findings
    assert finding.replay.reproduced == 20 and finding.repro and finding.minimal_calls
    assert sum(map(len, finding.minimal_calls)) == 7 < sum(map(len, finding.calls))
    assert stress_run.sessions == 1


@pytest.mark.slow
def test_an_operation_flooding_stdout_and_stderr_costs_a_bounded_tail(tmp_path):
    """The worker's output is drained into the runner's bounded head and tail (issue 10)."""
    scenario = write_scenario(tmp_path, """
        import ctypes, itertools, sys
        calls = itertools.count()

        def flood(obj):
            n = next(calls)
            if n < 300:                      # 60 MB in all
                sys.stdout.write("x" * 100_000 + "\\n")
                sys.stderr.write("y" * 100_000 + "\\n")
            elif n == 300:                   # then quiet, so faulthandler's report ends the output
                ctypes.string_at(0)
            obj.append(1)

        scenario = Scenario(list)
        scenario.op(flood, name="flood")
    """)
    proc = ftkit_stress(scenario, "--trials", "50", "--replays", "0", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "stress/crash" and "SIGSEGV" in finding["message"]
    assert "Fatal Python error: Segmentation fault" in finding["evidence"]["stderr_tail"]
    assert len(proc.stdout) < 100_000


@pytest.mark.slow
def test_a_crash_is_reported_while_a_process_the_operation_forked_holds_the_pipes(tmp_path):
    scenario = write_scenario(tmp_path, """
        import ctypes, os, time

        def fork_and_crash(obj):
            if os.fork() == 0:             # keeps every pipe of the worker open for a minute
                time.sleep(60)
                os._exit(0)
            ctypes.string_at(0)

        scenario = Scenario(list)
        scenario.op(fork_and_crash, name="fork_and_crash")
    """)
    started = time.monotonic()
    proc = ftkit_stress(scenario, "--trials", "5", "--replays", "0", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["stress/crash"]
    assert time.monotonic() - started < 40
