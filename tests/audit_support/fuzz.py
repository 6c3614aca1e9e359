"""Seed and run the libFuzzer targets built by `make fuzz-build` (src/*/*_fuzz.cpp).

    python tests/audit_support/fuzz.py --seconds 1800          # what `make fuzz FUZZ_SECONDS=1800` runs
    python tests/audit_support/fuzz.py --seconds 60 --only zip_fuzz

Seeds: real modules and wheels from the test cache (~/.cache/ftkit: the fixture modules and the
Linux, macOS and Windows wheels `make prepare` fetched), and the crafted CPU and memory bombs of
issue 12 (tests/audit_support/crafted.py), scaled to fit -max_len. Each target runs with -timeout and
-rss_limit_mb, so an input that takes too long or too much memory is a failure like a crash.
Prints one line per target (executions, coverage, corpus, slowest unit, outcome); exits 1 if any
target found a crash, timeout or out-of-memory input (kept in --work, default build/fuzz).
"""

from __future__ import annotations

import argparse
import re
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from audit_support import crafted  # noqa: E402
from ftkit.interpreters.cache import cache_root  # noqa: E402

BUILD = REPO / "build" / "fuzz"
# Binary targets take real modules up to 1 MB. Zip targets stay at 256 KB: with the 1000:1 ratio
# the reader allows, that inflates to 256 MB at most, within the memory limit below.
MAX_LEN = {"binary_fuzz": 1 << 20, "module_audit_fuzz": 1 << 20, "zip_fuzz": 1 << 18,
           "audit_files_fuzz": 1 << 18}
# A unit over 25 s is a CPU bomb: the budget stops a 1 MB input within a few seconds even under
# ASan. 1 GiB of RSS is the 256 MiB bound per input plus the fuzzer's and ASan's own.
TIMEOUT_S, RSS_LIMIT_MB = 25, 1024


def cached_binaries(limit: int) -> list[tuple[str, bytes]]:
    """Fixture modules and the extension modules of cached wheels, for every platform."""
    out = [(p.name, p.read_bytes()) for p in sorted((cache_root() / "fixtures").glob("*/*.so"))[:40]]
    for whl in sorted((cache_root() / "wheels").glob("*/*.whl")):
        with zipfile.ZipFile(whl) as z:
            for info in z.infolist():
                if info.filename.endswith((".so", ".pyd", ".dylib")) and info.file_size <= limit:
                    out.append((info.filename.rsplit("/", 1)[-1], z.read(info)))
    return [(n, b) for n, b in out if len(b) <= limit]


def cached_wheels(limit: int, binaries: list[tuple[str, bytes]]) -> list[bytes]:
    """Real wheels that fit, and small wheels around real modules (for those that do not)."""
    out = [p.read_bytes() for p in sorted((cache_root() / "wheels").glob("*/*.whl"))
           if p.stat().st_size <= limit]
    for name, data in binaries:
        w = crafted.wheel({**crafted.META, f"p/{name}": data})
        if len(w) <= limit:
            out.append(w)
    return out


def crafted_binaries() -> list[tuple[str, bytes]]:
    """Issue 12's bombs, scaled down to fit the 1 MB inputs (the shape is what matters)."""
    return [crafted.elf_stacked_sections(8_000), crafted.elf_shared_rel_tables(8_000, 500),
            crafted.elf_dynsym_copies(300, 100, 100), crafted.pe_shared_thunks(1_000, 200, 100),
            crafted.macho_chained_fixups(8, 30_000), crafted.macho_chained_fixups(0, 30_000),
            crafted.macho_rebase_sections(8_000, 50_000)]


def named(name: str, data: bytes) -> bytes:
    """module_audit_fuzz's input layout: u16 name length, the name, the bytes."""
    raw = name.encode()[:0xFFFF]
    return struct.pack("<H", len(raw)) + raw + data


def corpora() -> dict[str, list[bytes]]:
    binaries = cached_binaries(MAX_LEN["binary_fuzz"]) + crafted_binaries()
    small = [(n, b) for n, b in binaries if len(b) <= MAX_LEN["zip_fuzz"] // 2]
    wheels = cached_wheels(MAX_LEN["zip_fuzz"], small[:30])
    long_name = crafted.wheel_long_entry_name(20_000)[1]
    declares_more = crafted.wheel_declaring_1gib(2, 200 << 20, 210_000)[1]
    wheels += [long_name, declares_more]
    return {
        "binary_fuzz": [b for _, b in binaries],
        "module_audit_fuzz": [named(n, b)[:MAX_LEN["module_audit_fuzz"]] for n, b in binaries]
        + [named("m.cpython-314t-" + "a" * 60_000 + ".so", b"\x7fELF")],
        "zip_fuzz": wheels,
        "audit_files_fuzz": wheels,
    }


def write_corpus(work: Path, target: str, seeds: list[bytes]) -> Path:
    d = work / f"corpus-{target}"
    d.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(seeds):
        (d / f"seed-{i:03d}").write_bytes(s)
    return d


def last(pattern: str, text: str) -> str | None:
    found = re.findall(pattern, text)
    return found[-1] if found else None


def run(target: str, corpus: Path, seconds: int, work: Path) -> dict:
    exe = BUILD / target
    start = time.monotonic()
    proc = subprocess.run([str(exe), str(corpus), f"-max_total_time={seconds}", f"-max_len={MAX_LEN[target]}",
                           f"-timeout={TIMEOUT_S}", f"-rss_limit_mb={RSS_LIMIT_MB}", "-print_final_stats=1",
                           f"-artifact_prefix={work}/", "-report_slow_units=5"],
                          capture_output=True, text=True)
    err = proc.stderr
    kind = ("timeout" if "ERROR: libFuzzer: timeout" in err else
            "out-of-memory" if "ERROR: libFuzzer: out-of-memory" in err else
            "crash" if proc.returncode != 0 else "ok")
    return {
        "target": target, "rc": proc.returncode, "outcome": kind, "seconds": time.monotonic() - start,
        "execs": int(last(r"stat::number_of_executed_units:\s*(\d+)", err) or 0),
        "cov": last(r"cov: (\d+)", err), "ft": last(r"ft: (\d+)", err),
        "corpus": last(r"corp: (\d+/\S+)", err), "peak_rss_mb": last(r"stat::peak_rss_mb:\s*(\d+)", err),
        "slowest_s": max([int(s) for s in re.findall(r"Slowest unit: (\d+) s", err)] or [0]),
        "artifact": last(r"Test unit written to (\S+)", err), "tail": err[-4000:],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    p.add_argument("--only", action="append", help="run only this target (repeatable)")
    p.add_argument("--work", type=Path, default=BUILD, help="where corpora and failing inputs go")
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    failed = 0
    for target, seeds in corpora().items():
        if args.only and target not in args.only:
            continue
        if not (BUILD / target).exists():
            print(f"fuzz: {BUILD / target} is missing; run `make fuzz-build`", file=sys.stderr)
            return 2
        r = run(target, write_corpus(args.work, target, seeds), args.seconds, args.work)
        print(f"fuzz {target}: {r['outcome']} after {r['seconds']:.0f}s: {r['execs']} executions, "
              f"cov {r['cov']} ft {r['ft']}, corpus {r['corpus']} (from {len(seeds)} seeds), "
              f"peak RSS {r['peak_rss_mb']} MB, slowest unit {r['slowest_s']} s"
              + (f", input kept at {r['artifact']}" if r["artifact"] else ""), flush=True)
        if r["outcome"] != "ok":
            sys.stderr.write(r["tail"])
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
