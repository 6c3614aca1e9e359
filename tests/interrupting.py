"""Interrupting a running ftkit in tests: wait for a hanging child's pid file, then check it is gone."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def hang_marking(marker: Path) -> str:
    """C statements: write this process's pid to marker, then wait forever (needs stdio.h, unistd.h)."""
    return (f'{{ FILE *f = fopen("{marker}", "w"); fprintf(f, "%d", (int)getpid()); fclose(f); '
            "for (;;) pause(); }")


def wait_for(marker: Path, proc: subprocess.Popen, seconds: float = 120) -> int:
    """The pid a hanging child wrote to marker, once it has."""
    deadline = time.monotonic() + seconds
    while not (marker.exists() and marker.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None, f"{marker} never appeared"
        time.sleep(0.05)
    return int(marker.read_text())


def gone(pid: int) -> bool:
    """The process is gone, or a zombie nobody has reaped yet (it runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
