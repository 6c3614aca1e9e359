"""A short libFuzzer run of every audit fuzz target under ASan+UBSan (`make fuzz` runs longer)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_fuzz_targets_survive_a_short_run(compile_extension, ft_python):
    # Seeds include fixture modules; make sure at least these exist on a cold cache.
    from harness.sources import multi_phase, single_phase

    compile_extension(multi_phase("fz_multi", "not_used"), "fz_multi", ft_python)
    compile_extension(single_phase("fz_single", "not_used"), "fz_single", ft_python)
    build = subprocess.run(["make", "-s", "fuzz-build"], cwd=REPO, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "audit_support" / "fuzz.py"), "--seconds", "15"],
                          capture_output=True, text=True, timeout=300)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    assert proc.stdout.count(": ok") == 2
