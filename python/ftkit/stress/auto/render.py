"""A learned type (learn.py's JSON) written as an ordinary scenario file, the one `--auto` runs.

The file is what a user would write by hand (docs/stress.md), so the stress engine, the checker
and the repro writer take it as any other: the factory is the constructor call that worked, one
operation per method with an index into that method's working argument tuples (each tuple code
that builds its values afresh), results compared only where learning found them comparable, and
`len` against iteration as the invariant when the type has both and they agreed serially.
Helpers are plain functions in the file, so a repro script written from it runs on its own.
"""

from __future__ import annotations

import inspect
from typing import Any

from .learn import len_matches_iteration, snapshot

HEADER = '''"""Auto-scenario for {module}.{type}, written by `ftkit stress --auto {module}:{type}`.

Learned serially first: the factory below worked, each operation's argument tuples did not
raise alone, and results are compared only where two fresh objects gave the same one. Edit it
and run it as any scenario: `ftkit stress THIS_FILE.py`.
"""
import {module} as target

from ftkit.stress import Scenario, ints


{helpers}

def new():
    return {factory}
'''


def _call(member: dict[str, Any], args: str) -> str:
    name = member["name"]
    if member["kind"] == "attribute":
        return f"o.{name}"
    if name == "__iter__":
        return "list(o)"
    if name == "__len__":
        return "len(o)"
    return f"o.{name}(*{args})"


def render(module: str, type_name: str, learned: dict[str, Any]) -> str:
    # The learner's own helpers, by source: the scenario compares exactly what learning compared.
    helpers = "\n\n".join(inspect.getsource(f) for f in (snapshot, len_matches_iteration))
    lines = [HEADER.format(module=module, type=type_name, factory=learned["factory"], helpers=helpers)]
    invariant = ", invariant=len_matches_iteration" if learned.get("invariant") else ""
    ops = []
    for m in learned["members"]:
        table = "ARGS_" + m["name"]
        tuples = ", ".join(f"lambda: ({''.join(a + ', ' for a in args)})" for args in m["calls"])
        lines.append(f"{table} = [{tuples}]")
        call = _call(m, f"{table}[i]()")
        body = f"snapshot(o, {call})" if m["compare"] else f"({call}, None)[1]"
        ops.append(f"scenario.op(lambda o, i: {body}, args=[ints(0, {len(m['calls']) - 1})], "
                   f"name={m['name']!r})")
    lines += ["", "", f"scenario = Scenario(new{invariant}, name={f'auto_{module}_{type_name}'!r})", *ops]
    return "\n".join(lines) + "\n"
