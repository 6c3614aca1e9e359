"""The child-process runner: timeouts, group kill, escaped daemons, signal names, bounded output,
and a result channel nothing printed can forge."""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from ftkit.children import (
    Output,
    check_timeout,
    drain,
    kill_group,
    program_path,
    result_channel,
    run_child,
    signal_name,
    spawn,
)
from ftkit.children.runner import DRAIN_SECONDS, HEAD_BYTES, TAIL_BYTES

SEND = "import os\nos.write(int(os.environ['FTKIT_RESULT_FD']), {line!r})\n"


def program(tmp_path: Path, body: str, name: str = "child.py") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_result_comes_from_the_channel_and_stdout_is_only_output(tmp_path):
    body = ("print('{\"gil_enabled\": false}')\n"  # what a forged result would look like
            + SEND.format(line=b'{"gil_enabled": true}\n') + "print('after')\n")
    r = run_child(sys.executable, program(tmp_path, body), timeout=30)
    assert r.ok and r.result == {"gil_enabled": True}, r.describe()
    assert r.stdout.text() == '{"gil_enabled": false}\nafter\n'
    assert r.returncode == 0 and r.signal is None and not r.timed_out and r.describe() == "ok"


def test_json_on_stdout_without_a_channel_result_is_no_result(tmp_path):
    r = run_child(sys.executable, program(tmp_path, "print('{\"gil_enabled\": false}')\n"), timeout=30)
    assert r.result is None and not r.ok
    assert r.describe() == "exit 0 without a result (it sent no result)"


@pytest.mark.parametrize("line, error", [
    (b"not json\n", "its result is not JSON"),
    (b'{"cut": ', "its result line is incomplete"),
])
def test_a_bad_result_line_is_named(tmp_path, line, error):
    r = run_child(sys.executable, program(tmp_path, SEND.format(line=line)), timeout=30)
    assert r.result is None and error in r.result_error


def test_args_env_and_cwd_reach_the_child(tmp_path):
    body = ("import json, os, sys\n"
            "os.write(int(os.environ['FTKIT_RESULT_FD']), (json.dumps([sys.argv[1:], os.environ['X'], "
            "os.getcwd()]) + '\\n').encode())\n")
    r = run_child(sys.executable, program(tmp_path, body), ["a", 2], env={"X": "y"}, cwd=tmp_path, timeout=30)
    assert r.result == [["a", "2"], "y", str(tmp_path)], r.describe()


@pytest.mark.slow
def test_timeout_kills_the_whole_group_including_grandchildren(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    body = ("import subprocess, sys, time\n"
            f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
            f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
            "time.sleep(600)\n")
    start = time.monotonic()
    r = run_child(sys.executable, program(tmp_path, body), timeout=3)
    assert r.timed_out and r.returncode == -signal.SIGKILL
    assert r.describe() == "no answer within 3s (killed)" and r.signal is None
    assert 3 <= r.seconds < 3 + DRAIN_SECONDS + 5 and time.monotonic() - start < 10
    assert gone(int(pidfile.read_text())), "the grandchild outlived the group kill"


def test_a_double_forked_daemon_holding_the_pipes_does_not_hang_the_parent(tmp_path):
    pidfile = tmp_path / "daemon.pid"
    body = ("import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()  # out of the child's process group: the group kill cannot reach it\n"
            "    if os.fork() == 0:\n"
            f"        open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
            "        time.sleep(60)  # still holding stdout, stderr and the result pipe\n"
            "    os._exit(0)\n"
            "os.wait()\n"
            "while not os.path.exists(" + repr(str(pidfile)) + "): time.sleep(0.01)\n"
            + SEND.format(line=b'{"done": 1}\n'))
    try:
        r = run_child(sys.executable, program(tmp_path, body), timeout=30)
        assert r.ok and r.result == {"done": 1}, r.describe()
        assert r.seconds < 10, "waited for the daemon's pipes instead of the child"
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


@pytest.mark.slow
def test_a_child_that_closes_its_pipes_and_lingers_still_times_out(tmp_path):
    body = "import os, time\nfor fd in (1, 2): os.close(fd)\ntime.sleep(600)\n"
    r = run_child(sys.executable, program(tmp_path, body), timeout=2)
    assert r.timed_out and r.seconds < 8


def test_signal_deaths_are_named(tmp_path):
    r = run_child(sys.executable, program(tmp_path, "import sys\nprint('dying', file=sys.stderr)\n"
                                                    "import os\nos.abort()\n"), timeout=30)
    assert r.signal == "SIGABRT" and r.describe() == "killed by SIGABRT: dying"
    assert signal_name(-11) == "SIGSEGV" and signal_name(0) is None and signal_name(None) is None
    assert signal_name(-200) == "signal 200"


def test_exit_code_and_the_last_stderr_line(tmp_path):
    r = run_child(sys.executable, program(tmp_path, "raise SystemExit('bad input here')\n"), timeout=30)
    assert r.returncode == 1 and r.describe() == "exit 1: bad input here"


def test_a_flood_of_output_costs_bounded_memory(tmp_path):
    size = 300 << 20
    body = ("import sys\nchunk = b'x' * (1 << 20)\n"
            f"for _ in range({size >> 20}): sys.stdout.buffer.write(chunk)\n"
            "sys.stdout.buffer.write(b'\\nTHE END\\n')\nsys.stderr.write('e' * 5_000_000 + '\\nlast\\n')\n"
            + SEND.format(line=b"{}\n"))
    tracemalloc.start()
    try:
        r = run_child(sys.executable, program(tmp_path, body), timeout=120)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.ok, r.describe()
    assert r.stdout.total == size + len(b"\nTHE END\n")
    assert r.stdout.tail_lines(1) == ["THE END"] and r.stderr.tail_lines(1) == ["last"]
    assert len(r.stdout.text()) < HEAD_BYTES + TAIL_BYTES + 100 and "bytes not kept" in r.stdout.text()
    assert peak < 8 << 20, f"capturing 300 MB of output peaked at {peak} bytes"


def test_an_interpreter_that_does_not_exist_is_a_result_not_an_exception(tmp_path):
    r = run_child(str(tmp_path / "python3.14t"), "interpreter", timeout=30)
    assert r.returncode is None and r.describe() == "cannot run it (No such file or directory)"


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, "5"])
def test_timeouts_must_be_finite_and_positive(bad):
    with pytest.raises(ValueError, match="positive number of seconds"):
        check_timeout(bad)
    with pytest.raises(ValueError):
        run_child(sys.executable, "interpreter", timeout=bad)
    assert check_timeout(0.5) == 0.5


def test_program_names_resolve_to_files_in_the_package():
    assert program_path("interpreter").endswith(os.path.join("ftkit", "children", "interpreter.py"))
    with pytest.raises(ValueError, match="no child program named"):
        program_path("no_such_program")


def test_output_keeps_head_and_tail_and_counts_the_rest():
    out = Output(head=4, tail=4)
    for piece in (b"ab", b"cdef", b"0123456789", b"wxyz"):
        out.add(piece)
    assert out.total == 20 and out.omitted == 12
    assert out.text() == "abcd\n[... 12 bytes not kept ...]\nwxyz"
    short = Output(head=100, tail=100)
    short.add(b"one\ntwo\n")
    assert short.text() == "one\ntwo\n" and short.tail_lines(1) == ["two"] and short.head_lines(1) == ["one"]


def test_the_primitives_carry_a_long_lived_session(tmp_path):
    # What a worker session builds on: spawn in a new session, a result channel of several lines,
    # stderr drained into a bounded Output, and the group killed at the end.
    body = ("import sys\n"
            f"sys.path.insert(0, {str(Path(program_path('interpreter')).parent)!r})\n"
            "import channel\nchannel.leave_sys_path()\nfd = channel.take()\n"
            "for n in range(3):\n    channel.write_line(fd, {'event': n})\n"
            "sys.stderr.write('e' * 3_000_000 + '\\nwaiting\\n')\nsys.stderr.flush()\n"
            "import time\ntime.sleep(600)\n")
    read_fd, write_fd, env = result_channel()
    proc = spawn([sys.executable, str(program(tmp_path, body))], env, pass_fds=(write_fd,), stdout=None)
    os.close(write_fd)
    stderr = Output()
    drainer = drain(proc.stderr, stderr)
    with os.fdopen(read_fd) as events:
        assert [json.loads(events.readline()) for _ in range(3)] == [{"event": 0}, {"event": 1}, {"event": 2}]
        end = time.monotonic() + 30
        while stderr.tail_lines(1) != ["waiting"] and time.monotonic() < end:
            time.sleep(0.05)
        assert stderr.total == 3_000_000 + len("\nwaiting\n") and stderr.omitted > 0
        kill_group(proc.pid)
        assert proc.wait(30) == -signal.SIGKILL and signal_name(proc.returncode) == "SIGKILL"
        assert events.readline() == ""  # the channel ends with the child
    drainer.join(10)
    assert not drainer.is_alive()
    proc.stderr.close()


@pytest.mark.slow
def test_what_the_child_leaves_running_in_its_session_ends_with_it(tmp_path):
    pidfile = tmp_path / "left.pid"
    body = ("import subprocess, sys\n"
            "quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], **quiet)\n"
            f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n" + SEND.format(line=b"{}\n"))
    r = run_child(sys.executable, program(tmp_path, body), timeout=30)
    assert r.ok and r.seconds < 10, r.describe()
    assert gone(int(pidfile.read_text())), "a background process of the child outlived it"
