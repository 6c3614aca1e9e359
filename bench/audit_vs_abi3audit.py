"""Speed of `ftkit audit` against abi3audit on the same wheels, in the same run, as ratios.

    .venv/bin/python bench/audit_vs_abi3audit.py [--json OUT] [--repeat N]   (or `make bench-audit`)
Both read every extension module's symbols of the whole real-wheel corpus (tools/harness/manifest.py,
fetched by `make prepare`); abi3audit needs --assume-minimum-abi3 to scan wheels not tagged abi3.
ftkit additionally scans slot arrays, relocations and generator fingerprints. Prints the ratios
of wall times (command line, process start included, and ftkit's C++ core in-process), and the
per-MB cost on the largest wheel.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from ftkit import _core  # noqa: E402
from harness import corpus  # noqa: E402

BIN = Path(sys.executable).parent


def ensure_abi3audit() -> Path:
    exe = BIN / "abi3audit"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "abi3audit"],
                       check=True)
    return exe


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    import argparse
    import json

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="also write the times and ratios here (bench/all.py reads it)")
    p.add_argument("--repeat", type=int, default=5, help="runs of each ftkit side, median kept (default 5)")
    args = p.parse_args()
    wheels = [str(p) for _, _, p in corpus.all_wheels()]
    size_mb = sum(Path(w).stat().st_size for w in wheels) / 1e6
    abi3audit = ensure_abi3audit()
    n_modules = sum(len(f.modules) for f in _core.audit_paths(wheels, 1))

    def run_abi3audit():
        subprocess.run([str(abi3audit), "--assume-minimum-abi3", "3.9", *wheels], capture_output=True)

    def run_ftkit(jobs: int):
        return lambda: subprocess.run([str(BIN / "ftkit"), "audit", "-j", str(jobs), "--format", "json", *wheels],
                                      capture_output=True)

    n = args.repeat
    t_abi3 = timed(run_abi3audit, max(n * 3 // 5, 1))
    t_cli1 = timed(run_ftkit(1), n)
    t_cli2 = timed(run_ftkit(2), n)
    t_core1 = timed(lambda: _core.audit_paths(wheels, 1), n)
    t_core2 = timed(lambda: _core.audit_paths(wheels, 2), n)
    print(f"corpus: {len(wheels)} wheels, {n_modules} extension modules, {size_mb:.1f} MB")
    print(f"abi3audit CLI                 {t_abi3:8.3f} s")
    print(f"ftkit audit CLI --jobs 1      {t_cli1:8.3f} s   ratio {t_abi3 / t_cli1:6.1f}x faster")
    print(f"ftkit audit CLI --jobs 2      {t_cli2:8.3f} s   ratio {t_abi3 / t_cli2:6.1f}x faster")
    print(f"ftkit C++ core in-process j1  {t_core1:8.3f} s   ratio {t_abi3 / t_core1:6.1f}x faster")
    print(f"ftkit C++ core in-process j2  {t_core2:8.3f} s   ratio {t_abi3 / t_core2:6.1f}x faster")
    largest = max(wheels, key=lambda w: Path(w).stat().st_size)
    mb = Path(largest).stat().st_size / 1e6
    t_big = timed(lambda: _core.audit_paths([largest], 1), n)
    print(f"largest wheel {Path(largest).name} ({mb:.1f} MB): {t_big * 1000:.0f} ms, "
          f"{t_big * 1000 / mb:.1f} ms/MB (1 thread)")
    if args.json:
        seconds = {"abi3audit": t_abi3, "ftkit_cli_j1": t_cli1, "ftkit_cli_j2": t_cli2, "ftkit_core_j1": t_core1,
                   "ftkit_core_j2": t_core2}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"wheels": len(wheels), "modules": n_modules, "seconds": seconds,
                                         "ms_per_mb": t_big * 1000 / mb}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
