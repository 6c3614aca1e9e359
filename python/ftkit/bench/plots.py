"""The bench's two plots, PNG and SVG (matplotlib): throughput against threads, and lock cost per variant.

Each file is written whole (commands/output.write_atomic, the one writer: beside its final name,
then renamed), so a reader (the HTML report, a CI artifact upload) never sees half a plot.
matplotlib runs headless (the Agg backend).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from ..commands import output
from .model import OK

COLOURS = {"ft": "#1f77b4", "ft-gil": "#ff7f0e", "gil": "#2ca02c"}


def _save(fig, path: Path) -> list[str]:
    written = []
    for ext in ("png", "svg"):
        final = path.with_suffix("." + ext)
        image = io.BytesIO()
        fig.savefig(image, format=ext, dpi=110, bbox_inches="tight")
        output.write_atomic(str(final), image.getvalue())
        written.append(str(final))
    return written


def _mean_and_error(t: dict) -> tuple[float, float]:
    """(mean, half the 95% interval); NaN for a point measured once, which has no interval: drawn
    without a bar (a zero-width bar would read as certainty) and marked hollow or hatched."""
    low, high = t["ci_low"], t["ci_high"]
    if t["ci"] is None:  # one worker process: no interval
        return t["mean"], math.nan
    return t["mean"], (high - low) / 2


def throughput(data: dict, path: Path, plt) -> list[str]:
    """One panel per mode and variant: calls/s against threads, a line per interpreter, 95% CI bars."""
    labels = {t["id"]: t["label"] for t in data["targets"]}
    modes, variants = data["modes"], data["variants"]
    fig, axes = plt.subplots(len(modes), len(variants), figsize=(3.2 * len(variants), 2.8 * len(modes)),
                             squeeze=False, sharex=True)
    for i, mode in enumerate(modes):
        for j, variant in enumerate(variants):
            ax = axes[i][j]
            for target in labels:
                pts = sorted((p for p in data["points"] if (p["target"], p["variant"], p["mode"]) ==
                              (target, variant, mode) and p["status"] == OK and p["throughput"]),
                             key=lambda p: p["threads"])
                if not pts:
                    continue
                ys = [_mean_and_error(p["throughput"]) for p in pts]
                xs = [p["threads"] for p in pts]
                ax.errorbar(xs, [y / 1e3 for y, _ in ys], yerr=[e / 1e3 for _, e in ys], marker="o", capsize=3,
                            color=COLOURS.get(target), label=labels[target])
                once = [(x, y / 1e3) for x, (y, e) in zip(xs, ys) if math.isnan(e)]
                if once:
                    ax.plot(*zip(*once), "o", markerfacecolor="white", color=COLOURS.get(target))
            for p in data["points"]:  # a failed point is marked where it would have been
                if (p["variant"], p["mode"]) == (variant, mode) and p["status"] != OK:
                    ax.annotate(f"{p['status']} ({labels[p['target']]})", (p["threads"], 0),
                                xycoords=("data", "axes fraction"), xytext=(0, 4), textcoords="offset points",
                                fontsize=7, color="red", rotation=90)
            ax.set_title(f"{variant}, {mode}", fontsize=9)
            ax.set_xticks(data["threads"])
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("thousand calls per CPU-s" if data["options"].get("statistic") == "cpu"
                              else "thousand calls/s")
            if i == len(modes) - 1:
                ax.set_xlabel("threads")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{Path(data['workload']).name}: throughput against threads (mean, 95% CI; hollow: one "
                 f"run, no interval; --statistic {data['options'].get('statistic', 'median')})", fontsize=10,
                 y=1.03)
    written = _save(fig, path)
    plt.close(fig)
    return written


def lock_cost(data: dict, path: Path, plt) -> list[str]:
    """One panel per interpreter: for each mode and thread count, a bar per variant (baseline = 1.00)."""
    labels = {t["id"]: t["label"] for t in data["targets"]}
    variants = [v for v in data["variants"] if v != data["baseline"]]
    groups = [(m, t) for m in data["modes"] for t in data["threads"]]
    fig, axes = plt.subplots(1, len(labels), figsize=(max(3.5, 1.1 * len(groups)) * len(labels) / 1.5, 3.4),
                             squeeze=False, sharey=True)
    width = 0.8 / max(len(variants), 1)
    for k, target in enumerate(labels):
        ax = axes[0][k]
        for v, variant in enumerate(variants):
            xs, ys, errs = [], [], []
            for g, (mode, threads) in enumerate(groups):
                row = next((r["cost"] for r in data["lock_cost"] if (r["target"], r["variant"], r["mode"],
                            r["threads"]) == (target, variant, mode, threads)), None)
                x = g + (v - (len(variants) - 1) / 2) * width
                if row is None or row.get("status") != OK:
                    if row is not None:
                        ax.annotate(row.get("status", "?"), (x, 1.0), fontsize=6, color="red", rotation=90,
                                    ha="center")
                    continue
                mean, err = _mean_and_error(row)
                xs.append(x)
                ys.append(mean)
                errs.append(err)
            bars = ax.bar(xs, ys, width, yerr=errs, capsize=2, label=variant)
            for bar, err in zip(bars, errs):
                if math.isnan(err):
                    bar.set_hatch("///")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([f"{m}\n{t}t" for m, t in groups], fontsize=8)
        ax.set_title(labels[target], fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(f"{data['baseline']} throughput / variant's")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("lock cost per variant (1.00: free; higher: slower; mean, 95% CI; hatched: one run, "
                 "no interval)", fontsize=10, y=1.03)
    written = _save(fig, path)
    plt.close(fig)
    return written


def write(data: dict, folder: Path) -> tuple[list[str], list[str]]:
    """Both plots into folder; returns (svg paths, png paths) for data["bench"]["plots"] / ["png"]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    files = throughput(data, folder / "throughput", plt)
    if len(data["variants"]) > 1:
        files += lock_cost(data, folder / "lock-cost", plt)
    return [f for f in files if f.endswith(".svg")], [f for f in files if f.endswith(".png")]
