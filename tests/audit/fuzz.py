"""Seed and run the libFuzzer targets built by `make fuzz-build` (src/*/*_fuzz.cpp).

    python tests/audit/fuzz.py --seconds 600     # what `make fuzz` runs
Seeds: the fixture modules compiled by the tests and small wheels built around them, plus
msgpack's modules for Linux, macOS and Windows from the wheel corpus when they are cached.
Prints one line per target with the executions done; exits non-zero if a target crashed.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from ftkit.interpreters.cache import cache_root  # noqa: E402

BUILD = REPO / "build" / "fuzz"
MAX_SEED = 400_000


def seed_binaries() -> list[tuple[str, bytes]]:
    out = []
    for path in sorted((cache_root() / "fixtures").glob("*/*.so"))[:40]:
        if path.stat().st_size <= MAX_SEED:
            out.append((path.name, path.read_bytes()))
    wheels = cache_root() / "wheels"
    for plat in ("linux", "macos", "windows"):
        for whl in sorted((wheels / plat).glob("msgpack-*.whl")) if (wheels / plat).is_dir() else []:
            with zipfile.ZipFile(whl) as z:
                for n in z.namelist():
                    if n.endswith((".so", ".pyd")) and z.getinfo(n).file_size <= MAX_SEED:
                        out.append((n.rsplit("/", 1)[-1], z.read(n)))
    return out


def seed_wheels(binaries: list[tuple[str, bytes]]) -> list[bytes]:
    out = []
    for name, data in binaries[:6]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("p-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp314-cp314t-linux_x86_64\n")
            z.writestr("p-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: p\n")
            z.writestr(f"p/{name}", data)
        out.append(buf.getvalue())
    return out


def write_corpus(target: str, seeds: list[bytes]) -> Path:
    d = BUILD / f"corpus-{target}"
    d.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(seeds):
        (d / f"seed-{i:03d}").write_bytes(s)
    return d


def run(target: str, corpus: Path, seconds: int) -> tuple[int, int]:
    exe = BUILD / target
    proc = subprocess.run([str(exe), str(corpus), f"-max_total_time={seconds}", "-rss_limit_mb=2048",
                           "-timeout=20", "-print_final_stats=1", f"-artifact_prefix={BUILD}/crash-{target}-"],
                          capture_output=True, text=True)
    execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", proc.stderr)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
    return proc.returncode, int(execs.group(1)) if execs else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    args = p.parse_args(argv)
    binaries = seed_binaries()
    corpora = {"binary_fuzz": [b for _, b in binaries], "zip_fuzz": seed_wheels(binaries)}
    failed = 0
    for target, seeds in corpora.items():
        if not (BUILD / target).exists():
            print(f"fuzz: {BUILD / target} is missing; run `make fuzz-build`", file=sys.stderr)
            return 2
        rc, execs = run(target, write_corpus(target, seeds), args.seconds)
        print(f"fuzz {target}: {execs} executions in {args.seconds}s from {len(seeds)} seeds: "
              f"{'ok' if rc == 0 else f'CRASH (exit {rc})'}")
        failed |= rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
