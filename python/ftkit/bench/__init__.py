"""ftkit bench: what free threading and each lock gain and cost on the user's own workload.

A workload file declares work(obj), optionally setup(variant), VARIANTS, BASELINE and MODES
(docs/bench.md). run.run() samples it under 3.14t, 3.14t with PYTHON_GIL=1 and the GIL build, in
worker processes (children/bench_worker.py); ratios.as_data() turns the points into the numbers,
report.to_report() into a Report, plots.write() into PNG and SVG plots.
"""
