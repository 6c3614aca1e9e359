"""The facts about the machine a bench result depends on: cores, CPU model, load average."""

from __future__ import annotations

import os
import platform


def cores() -> int:
    """Cores this process may run on (the affinity mask, as a container or taskset sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # Windows
        return None


def describe() -> dict:
    return {"cores": cores(), "cpu_model": cpu_model(), "load_average": load_average(),
            "platform": platform.platform()}


def default_threads(n_cores: int) -> tuple[int, ...]:
    """1, 2, 4 ... up to the core count, and the core count itself."""
    out, t = [], 1
    while t < n_cores:
        out.append(t)
        t *= 2
    out.append(max(n_cores, 1))
    return tuple(sorted(set(out)))
