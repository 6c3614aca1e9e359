"""`ftkit stress` as a user runs it: exit codes, JSON, crash and hang isolation, verdict kinds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.sources import multi_phase
from stress.racy import scenario_dir

FTKIT = [sys.executable, "-m", "ftkit"]


def ftkit_stress(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*FTKIT, "stress", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


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
    scenario = write_scenario(tmp_path, """
        import threading
        lock = threading.Lock()

        def wait_forever(obj):
            lock.acquire()                 # the second call never returns

        scenario = Scenario(list)
        scenario.op(wait_forever, name="wait_forever")
    """)
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
    (["scenario.py:nope"], "no Scenario named 'nope'"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    write_scenario(tmp_path, "scenario = Scenario(list)\nscenario.op(lambda lst: lst.append(1))\n")
    proc = ftkit_stress(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


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
