"""A bench's data (ratios.as_data) as a Report: ratio tables for people, findings for what needs a look."""

from __future__ import annotations

import statistics

from ..report import Report, Subject, Table
from ..rules import finding
from .model import OK

UNSTABLE_LIST = 4  # points named in the spread finding; the JSON has them all
STARVED = 0.8  # a one-thread worker on an idle core runs ~100% of its wall time


def cell(r: dict | None) -> str:
    """A ratio as "1.05 ±3%" (the 95% interval's half-width), or what stopped it."""
    if not r:
        return "-"
    if r.get("status") != OK:
        return r.get("status", "-")
    spread = f" ±{r['ci'] * 100:.0f}%" if r.get("ci") is not None else " (1 run)"
    return f"{r['median']:.2f}{spread}"


def rate(v: float) -> str:
    """Calls per second, short: 1.25M, 340.2k, 950."""
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.1f}k" if v >= 1e3 else f"{v:.0f}"


def _rate(t: dict | None) -> str:
    if not t:
        return "-"
    return rate(t["median"]) + (f" ±{t['ci'] * 100:.0f}%" if t.get("ci") is not None else "")


def _labels(data: dict) -> dict[str, str]:
    return {t["id"]: t["label"] for t in data["targets"]}


def tables(data: dict) -> list[Table]:
    labels = _labels(data)
    ft, ftg, gil = labels["ft"], labels["ft-gil"], labels["gil"]
    stat = {"best": "per-process best, ", "cpu": "per CPU-second, "}.get(data["options"].get("statistic"), "")
    out = [Table(f"free-threaded vs GIL build: throughput ratio (>1: faster than {gil}; {stat}median ±95% CI)",
                 ("variant", "mode", "threads", f"{ft} / {gil}", f"{ftg} / {gil}"),
                 tuple((r["variant"], r["mode"], str(r["threads"]), cell(r.get("ft")), cell(r.get("ft-gil")))
                       for r in data["free_threaded_vs_gil"]))]
    if data["lock_cost"]:
        columns = [(m, t) for m in data["modes"] for t in data["threads"]]
        rows = []
        for target in ("ft", "ft-gil", "gil"):
            for variant in data["variants"]:
                found = {(r["mode"], r["threads"]): r["cost"] for r in data["lock_cost"]
                         if r["target"] == target and r["variant"] == variant}
                if found:
                    rows.append((variant, labels[target], *(cell(found.get(c)) for c in columns)))
        out.append(Table(f"lock cost: {data['baseline']}'s throughput / the variant's (1.00: free; "
                         "shared with 2+ threads: contended)",
                         ("variant", "interpreter", *(f"{m} {t}t" for m, t in columns)), tuple(rows)))
    out.append(Table(f"throughput (calls/s, {stat}median ±95% CI), speedup over 1 thread, efficiency",
                     ("interpreter", "variant", "mode", "threads", "calls/s", "speedup", "efficiency", "CPU"),
                     tuple((labels[r["target"]], r["variant"], r["mode"], str(r["threads"]),
                            _rate(r["throughput"]) if r["status"] == OK else r["status"],
                            f"{r['speedup']:.2f}x" if "speedup" in r else "-",
                            f"{r['efficiency'] * 100:.0f}%" if "efficiency" in r else "-",
                            f"{r['cpu_share'] * 100:.0f}%" if r.get("cpu_share") is not None else "-")
                           for r in data["scaling"])))
    m = data["machine"]
    load = ", ".join(f"{x:g}" for x in m["load_average"]) if m.get("load_average") else "unknown"
    out.append(Table("machine and memory", ("fact", "value"), (
        ("cores", str(m["cores"])), ("CPU", m["cpu_model"]), ("load average (1, 5, 15 min)", load),
        *((f"peak RSS {t['label']}", f"{t['peak_rss_kb'] / 1024:.1f} MiB") for t in data["targets"]))))
    return out


def findings(data: dict, notes: list[str]) -> list:
    labels = _labels(data)
    workload = data["workload"]
    out = []
    for p in data["points"]:
        if p["status"] != OK:
            out.append(finding("bench/variant-failed", Subject("variant", p["variant"], path=workload),
                               f"{p['status']} under {labels[p['target']]}, {p['mode']} mode, {p['threads']} "
                               f"thread(s): {p['error']}", evidence=p))
    on_gil = sorted({p["variant"] for p in data["points"] if p["target"] == "ft" and p["gil_enabled"]})
    if on_gil:
        out.append(finding("bench/gil-enabled", Subject("interpreter", labels["ft"]),
                           f"the GIL was on in the free-threaded workers of {', '.join(on_gil)}: an import "
                           "re-enabled it, so these are GIL numbers", evidence={"variants": on_gil}))
    cores = data["machine"]["cores"]
    over = [t for t in data["threads"] if t > cores]
    if over:
        out.append(finding("bench/threads-exceed-cores", Subject("environment", "threads"),
                           f"{', '.join(map(str, over))} threads on {cores} cores: threads wait for a core, "
                           "so throughput stops scaling for the machine's sake, not the code's",
                           evidence={"threads": over, "cores": cores}))
    load = data["machine"].get("load_average")
    if load and load[0] > cores:
        out.append(finding("bench/busy-machine", Subject("environment", "load"),
                           f"load average {load[0]:g} on {cores} cores: other work shares the CPUs, "
                           "so the spread is wider and the numbers lower than on an idle machine"
                           + ("" if data["options"].get("statistic") != "median" else
                              " (--statistic best or cpu are steadier there)"),
                           evidence={"load_average": load, "cores": cores}))
    alone = [p["cpu_share"] for p in data["points"] if p["threads"] == 1 and p.get("cpu_share") is not None]
    if alone and statistics.median(alone) < STARVED:
        share = statistics.median(alone)
        out.append(finding("bench/busy-machine", Subject("environment", "CPU"),
                           f"one-thread workers ran only {share * 100:.0f}% of their wall time (median; CPU "
                           "column): other processes had the core the rest of the time",
                           evidence={"cpu_share": share}))
    target = data["options"]["ci"]
    wide = [p for p in data["points"] if p["status"] == OK and p["throughput"]
            and (p["throughput"]["ci"] is None or p["throughput"]["ci"] > target)]
    if wide:
        def name(p):
            ci = p["throughput"]["ci"]
            return (f"{labels[p['target']]} {p['variant']} {p['mode']} {p['threads']}t "
                    + (f"(±{ci * 100:.0f}%)" if ci is not None else "(1 run)"))
        wide.sort(key=lambda p: -(p["throughput"]["ci"] or 1e9))
        shown = ", ".join(name(p) for p in wide[:UNSTABLE_LIST]) + (", ..." if len(wide) > UNSTABLE_LIST else "")
        out.append(finding("bench/wide-spread", Subject("workload", workload.rsplit("/", 1)[-1], path=workload),
                           f"{len(wide)} of {len(data['points'])} points did not get within ±{target * 100:g}% "
                           f"in the budget: {shown}; a ratio whose interval includes 1.00 does not say "
                           "which side is faster", evidence={"points": len(wide), "ci": target}))
    for note in notes:
        out.append(finding("bench/different-sources", Subject("environment", "interpreters"), note))
    return out


def to_report(data: dict, notes: list[str], interrupted: bool = False) -> Report:
    points = len(data["points"])
    runs = sum(len(p["runs"]) for p in data["points"])
    return Report("bench", findings=findings(data, notes), data={"bench": data}, tables=tables(data),
                  checked=f"{points} points, {runs} worker processes in {data['rounds']} rounds, "
                  f"{data['seconds']:.0f}s", interrupted=interrupted)
