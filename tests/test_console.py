"""The output policy: progress only on a terminal and never under CI; colour per --color, NO_COLOR,
FORCE_COLOR."""

from __future__ import annotations

import io
import os
import pty

import pytest

from ftkit import console


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("choice, env, tty, expected", [
    ("always", {"NO_COLOR": "1"}, False, True),  # the flag wins over the environment
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),  # no-color.org: an empty value does not count
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
])
def test_colour(choice, env, tty, expected):
    assert console.colour(choice, Terminal() if tty else io.StringIO(), env) is expected


@pytest.mark.parametrize("ci, drawn", [(None, True), ("true", False), ("1", False), ("false", True), ("", True)])
def test_progress_only_on_a_terminal_and_never_under_ci(ci, drawn):
    env = {} if ci is None else {"CI": ci}
    assert console.progress_allowed(Terminal(), env) is drawn
    assert console.progress_allowed(io.StringIO(), {}) is False


def test_progress_bar_draws_on_a_real_terminal_and_is_none_elsewhere():
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        with console.progress("importing", stream=tty, environ={}) as update:
            assert update is not None
            update(0, 4)
            update(4)
        tty.flush()
    drawn = b""
    while True:  # one read may return only the first chunk: read until the closed end is drained
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    drawn = drawn.decode(errors="replace")
    assert "importing" in drawn
    with console.progress("importing", stream=Terminal(), environ={"CI": "true"}) as update:
        assert update is None


def test_steps_are_lines_where_no_bar_is_drawn():
    lines: list[str] = []
    with console.steps("building CPython 3.14t", lines.append, stream=io.StringIO(), environ={}) as step:
        step("configure")
        step("compiling")
    assert lines == ["ftkit: building CPython 3.14t: configure", "ftkit: building CPython 3.14t: compiling"]
