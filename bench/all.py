"""`make bench`: ftkit's own benchmarks run through ftkit's machinery, printed as one ratio table.

Each benchmark (audit vs abi3audit, stress, the lock helpers vs the raw C API, the checker vs
Porcupine, and `ftkit bench` on the examples' Matrix) runs as a child through ftkit.children.run_child
(its own session, a timeout, a crash is a row, not the end of the run) and writes its JSON into
build/bench/; this reads them into one Report table, rendered by ftkit's text renderer and also
written as build/bench/all.json (the findings model's JSON, written then renamed).

Usage: .venv/bin/python bench/all.py [--quick] [--only NAME ...]
--quick gives each benchmark a short budget (a smoke run of the table, minutes instead of an hour).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "build" / "bench"
BIN = Path(sys.executable).parent

from ftkit.children import run_child  # noqa: E402
from ftkit.report import Report, Table  # noqa: E402
from ftkit.report.render_json import render_json  # noqa: E402
from ftkit.report.render_text import render_text  # noqa: E402


def _r(x: float) -> str:
    return f"{x:.2f}"


def read_audit(d: dict) -> list[tuple[str, str, str]]:
    s = d["seconds"]
    return [(f"audit: abi3audit CLI / ftkit audit CLI {side}", _r(s["abi3audit"] / s[key]), ">1: ftkit faster")
            for side, key in (("-j1", "ftkit_cli_j1"), ("-j2", "ftkit_cli_j2"), ("C++ core -j1", "ftkit_core_j1"))]


def read_stress(d: dict) -> list[tuple[str, str, str]]:
    rows = [(f"stress: threading-loop overhead / engine overhead, {r['shape']}", _r(r["overhead_ratio"]),
             ">1: the engine adds less than a plain threading loop") for r in d.get("overhead", [])]
    if "detection" in d:
        r = d["detection"]
        rows.append(("stress: matrix race found (seeds), median seconds", f"{r['found']}/{r['seeds']}",
                     f"median {r['median_s']:.2f} s to the first finding"))
    return rows


def read_locks(d: dict) -> list[tuple[str, str, str]]:
    rows = []
    for variant, benches in d.items():
        for name, t in benches.items():
            if name.startswith("pair/"):
                # bench/locks_ratios.py's pairs: the helper against the raw C API (or what the name says)
                rows.append((f"locks {variant}: {name[5:].replace('_', ' ')}", _r(t["ratio"]),
                             "helper / raw C API time, 1.00: no cost"))
    return rows


def read_checker(d: dict) -> list[tuple[str, str, str]]:
    return [(f"checker: Porcupine / ftkit, {group} ({g['summary']['files']} histories)",
             _r(g["summary"]["geomean_ratio"]), ">1: ftkit faster (geometric mean)")
            for group, g in d["groups"].items()]


def read_matrix(report: dict) -> list[tuple[str, str, str]]:
    d = report["data"]["bench"]
    labels = {t["id"]: t["label"] for t in d["targets"]}
    rows = []
    for r in d["free_threaded_vs_gil"]:
        if r["mode"] == "private" and r["ft"].get("status") == "ok":
            rows.append((f"matrix {r['variant']}: {labels['ft']} / {labels['gil']}, {r['threads']} thread(s)",
                         _r(r["ft"]["median"]), "throughput ratio, >1: free-threaded faster"))
    for r in d["lock_cost"]:
        one = r["mode"] == "private" and r["threads"] == 1
        if r["target"] == "ft" and (one or r["contended"]) and r["cost"].get("status") == "ok":
            what = "uncontended" if one else f"contended, {r['threads']} threads"
            rows.append((f"matrix {r['variant']} on {labels['ft']}: lock cost {what}", _r(r["cost"]["median"]),
                         f"{d['baseline']} / variant throughput, 1.00: free"))
    return rows


def matrix_args(quick: bool) -> list[str]:
    return ["bench", "examples/matrix/bench.py", "--path", "build/bench-matrix", "--format", "json",
            "--output", str(OUT / "matrix.json"), "--out-dir", str(OUT / "matrix"),
            *(["--budget", "15", "--min-time", "0.01"] if quick else [])]


# name, program, its arguments (full run, quick run), the JSON it writes, its reader
BENCHES = (
    ("audit", "bench/audit_vs_abi3audit.py", ([], ["--repeat", "1"]), "audit.json", read_audit),
    ("stress", "bench/stress_bench.py", ([], ["--seeds", "2", "--overhead-trials", "300"]), "stress.json",
     read_stress),
    ("locks", "bench/locks_ratios.py", ([], ["--repetitions", "1", "--min-time", "0.01", "3.14t", "3.14"]),
     "locks.json", read_locks),
    ("checker", "bench/checker_vs_porcupine.py", ([], ["--rounds", "1", "--min-seconds", "0.02"]), "checker.json",
     read_checker),
    ("matrix", str(BIN / "ftkit"), None, "matrix.json", read_matrix),
)


def prepare_matrix() -> None:
    """The Matrix variants built for the free-threaded and the GIL 3.14 (examples/matrix/build.py)."""
    from ftkit.interpreters import resolve

    ft = resolve.resolve("bench")
    gil = resolve.gil_twin(ft)
    run_child(sys.executable, REPO / "examples" / "matrix" / "build.py",
              ["build/bench-matrix", ft.path, gil.path], cwd=REPO, timeout=900)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short budgets: check the table, not the numbers")
    p.add_argument("--only", nargs="+", choices=[b[0] for b in BENCHES], help="run only these")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows, failed = [], []
    for name, program, arguments, output, reader in BENCHES:
        if args.only and name not in args.only:
            continue
        if name == "matrix":
            prepare_matrix()
            argv_ = matrix_args(args.quick)
        else:
            argv_ = [*arguments[1 if args.quick else 0], "--json", str(OUT / output)]
        (OUT / output).unlink(missing_ok=True)
        print(f"bench/all.py: running {name} ...", file=sys.stderr, flush=True)
        child = run_child(sys.executable, program, argv_, cwd=REPO, timeout=900 if args.quick else 7200)
        # ftkit bench exits 1 when it has findings (a failed variant): its JSON says which.
        if child.timed_out or child.signal or not (OUT / output).is_file():
            failed.append(name)
            why = child.describe() if child.start_error or child.timed_out or child.signal else \
                f"exit {child.returncode}: {child.last_error_line()}"
            rows.append((f"{name}: did not finish", "-", why))
            continue
        rows += reader(json.loads((OUT / output).read_text()))
    columns = ("benchmark", "ratio", "meaning")
    report = Report("bench", data={"own_benchmarks": [dict(zip(columns, r)) for r in rows]},
                    tables=[Table("ftkit's own benchmarks, as ratios measured side by side",
                                  columns, tuple(rows))],
                    checked=f"{len(rows)} ratios; JSON in {OUT.relative_to(REPO)}/")
    part = OUT / "all.json.part"
    part.write_text(render_json(report))
    os.replace(part, OUT / "all.json")
    render_text(report, sys.stdout, colour=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
