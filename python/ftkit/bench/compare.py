"""`ftkit bench --compare before.json after.json`: what a change gained or cost, point by point, with the spread.

The two runs were not interleaved, so their ratio is of medians; its spread combines the two
points' relative 95% intervals (root sum of squares), and pyperf's two-sample t-test on the
per-process means says whether the difference is significant.
"""

from __future__ import annotations

import json
import math

from ..report import Report, Table
from .model import OK, WorkloadError
from .report import rate


def load(path: str) -> dict:
    """A bench's data from its bench.json or from a `--format json` report (under data.bench)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise WorkloadError(f"{path}: not a bench result ({e})") from None
    data = doc.get("data", {}).get("bench") if isinstance(doc, dict) and "data" in doc else doc
    if not isinstance(data, dict) or "points" not in data:
        raise WorkloadError(f"{path}: not a bench result (no points; write one with `ftkit bench`)")
    return data


def _means(point: dict) -> list[float]:
    return [sum(r) / len(r) for r in point["runs"] if r]


def compare(before_path: str, after_path: str) -> Report:
    from pyperf._utils import is_significant  # pyperf compare_to's test

    before, after = load(before_path), load(after_path)
    labels = {t["id"]: t["label"] for t in after["targets"]}
    old = {(p["target"], p["variant"], p["mode"], p["threads"]): p for p in before["points"]}
    rows, data = [], []
    for p in after["points"]:
        key = (p["target"], p["variant"], p["mode"], p["threads"])
        q = old.get(key)
        entry = {"target": key[0], "variant": key[1], "mode": key[2], "threads": key[3]}
        name = (labels.get(key[0], key[0]), key[1], key[2], str(key[3]))
        if q is None or p["status"] != OK or q["status"] != OK or not p["throughput"] or not q["throughput"]:
            status = "only after" if q is None else p["status"] if p["status"] != OK else q["status"]
            entry["status"] = status
            rows.append((*name, "-", "-", status, ""))
            data.append(entry)
            continue
        a, b = p["throughput"], q["throughput"]
        change = a["median"] / b["median"]
        both = a["ci"] is not None and b["ci"] is not None
        spread = math.hypot(a["ci"], b["ci"]) if both else None
        means_a, means_b = _means(p), _means(q)
        significant = len(means_a) >= 2 and len(means_b) >= 2 and is_significant(means_b, means_a)[0]
        entry |= {"status": OK, "before": b["median"], "after": a["median"], "change": change, "spread": spread,
                  "significant": bool(significant)}
        data.append(entry)
        rows.append((*name, rate(b["median"]), rate(a["median"]),
                     f"{change:.2f}x" + (f" ±{spread * 100:.0f}%" if spread is not None else ""),
                     "yes" if significant else "no"))
    table = Table(f"after / before throughput ({after_path} / {before_path}; >1: faster)",
                  ("interpreter", "variant", "mode", "threads", "before calls/s", "after calls/s", "change",
                   "significant"), tuple(rows))
    return Report("bench", data={"bench_compare": {"before": before_path, "after": after_path, "points": data}},
                  tables=[table], checked=f"{len(data)} points compared")
