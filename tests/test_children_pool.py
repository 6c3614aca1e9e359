"""run_all: many children on a few threads; an interrupt kills the running ones and cancels the rest."""

from __future__ import annotations

import sys
import time

from ftkit.children import run_all, run_child

ANSWER = "import os\nos.write(int(os.environ['FTKIT_RESULT_FD']), b'{\"n\": 1}\\n')\n"
HANG = "import time\ntime.sleep(600)\n"


def test_results_come_back_in_order(tmp_path):
    program = tmp_path / "answer.py"
    program.write_text(ANSWER)
    results, stopped = run_all(lambda n: (n, run_child(sys.executable, program, timeout=60).result), range(5), 2)
    assert stopped is None and results == [(n, {"n": 1}) for n in range(5)]


def test_an_interrupt_kills_running_children_cancels_the_rest_and_keeps_what_finished(tmp_path):
    answer, hang = tmp_path / "answer.py", tmp_path / "hang.py"
    answer.write_text(ANSWER)
    hang.write_text(HANG)
    started: list[int] = []

    def one(program):
        started.append(1)
        return run_child(sys.executable, program, timeout=600)

    def progress(done, total):
        # Called on the caller's thread, as Ctrl-C's KeyboardInterrupt is: interrupt once the quick one is in.
        if done == 1:
            time.sleep(0.5)  # the hanging children are running by now
            raise KeyboardInterrupt

    items = [answer, hang, hang, *[hang] * 20]
    start = time.monotonic()
    results, stopped = run_all(one, items, 3, progress)
    assert isinstance(stopped, KeyboardInterrupt)
    assert time.monotonic() - start < 30, "the hanging children must be killed, not waited for"
    assert results[0].result == {"n": 1} and results[1:] == [None] * (len(items) - 1)
    assert len(started) < len(items), "the queued items must be cancelled, not started"
    # The next run starts children again.
    assert run_child(sys.executable, answer, timeout=60).result == {"n": 1}
