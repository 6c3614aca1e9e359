"""Auto-scenarios: `ftkit stress --auto MODULE[:TYPE]` races a module's public types without a
written scenario (docs/stress-auto.md).

introspect.py finds the types, constructors and methods; pools.py the argument values;
learn.py learns serially, in a stress worker, which calls work; render.py writes each type as an
ordinary scenario file; run.py drives learning and the ordinary StressRun; report.py reports
what was covered and what could not be called.
"""
