"""Child processes: one runner (runner.py) and the stdlib-only programs it runs, one file each.

The programs (interpreter.py, import_probe.py, locate.py, load_module.py) run by path under any
CPython 3.9+, with or without ftkit installed, and answer through channel.py's result pipe.
"""

from .pool import run_all
from .runner import (
    ChildResult,
    Output,
    check_timeout,
    drain,
    kill_group,
    program_path,
    result_channel,
    run_child,
    signal_name,
    spawn,
    stop_children,
)

__all__ = ["ChildResult", "Output", "check_timeout", "drain", "kill_group", "program_path", "result_channel",
           "run_all", "run_child", "signal_name", "spawn", "stop_children"]
