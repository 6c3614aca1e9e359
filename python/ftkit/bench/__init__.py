"""ftkit bench: what free threading and each lock gain and cost on the user's own workload.

A workload file declares work(obj), optionally setup(variant), VARIANTS, BASELINE and MODES
(docs/bench.md). run.run() samples it under 3.14t, 3.14t with PYTHON_GIL=1 and the GIL build, in
worker processes (children/bench_worker.py); ratios.as_data() turns the points into the numbers,
report.to_report() into a Report, plots.write() into PNG and SVG plots.
"""

# How a point's values are counted (--statistic). median: every value counts (pyperf's default).
# best: each worker process counts by its highest throughput, i.e. its shortest time; on a machine
# whose other processes take the cores away, "the lowest value gives a lower bound for how fast your
# machine can run the given code snippet; higher values ... are typically ... caused by other
# processes interfering" (Python's timeit docs). cpu: calls per CPU-second (each thread's
# thread_time), the CPU one call costs: immune to other processes taking the cores, but blind to
# time spent waiting for a contended lock. Here, not in stats.py: the CLI imports it at start-up.
STATISTICS = ("median", "best", "cpu")
