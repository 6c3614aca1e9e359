"""A standalone repro script: the scenario's own code, a fixed plan, plain `threading`.

The script keeps the scenario file's top-level code except what belongs to ftkit (its imports
and every statement naming them), so the user's imports, sys.path tweaks and helpers come
along; the factory and operations are copied from their source text. It runs the plan many
times on long-lived threads released together, and exits 1 with the evidence when a run
crashes the process (by itself), raises where no serial order raises, or returns results no
serial order of the same calls produces (checked by brute force: the plan is small).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any, Callable

from .scenario import Scenario


def _source_of(fn: Callable[..., Any], tree: ast.Module, text: str) -> str | None:
    """Source of a function or lambda defined in the scenario file, as an expression or def."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    if fn.__name__ != "<lambda>":
        try:
            return textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError):
            return None
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
               and len(n.args.args) == code.co_argcount]
    if not lambdas:
        return None
    return ast.get_source_segment(text, lambdas[0])


def _kept_top_level(tree: ast.Module, text: str) -> list[str]:
    ftkit_names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ftkit":
            ftkit_names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            ftkit_names.update((a.asname or a.name).split(".")[0] for a in node.names
                               if a.name.split(".")[0] == "ftkit")
    kept = []
    for node in tree.body:
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        is_ftkit_import = isinstance(node, (ast.Import, ast.ImportFrom)) and (
            {a.asname or a.name.split(".")[0] for a in node.names} & ftkit_names)
        # Decorated ops (@scenario.op) and anything using the Scenario object go too.
        if is_ftkit_import or names & ftkit_names or _uses_scenario(node, tree):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        kept.append(ast.get_source_segment(text, node, padded=True) or "")
    return kept


def _scenario_factory_expr(tree: ast.Module, text: str) -> str | None:
    """The factory as written in `Scenario(FACTORY, ...)` (a class, say, which has no source)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Scenario":
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "factory"), None)
            if arg is not None:
                return ast.get_source_segment(text, arg)
    return None


def _uses_scenario(node: ast.AST, tree: ast.Module) -> bool:
    scenario_vars = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                     if isinstance(t, ast.Name) and isinstance(n.value, ast.Call)
                     and getattr(n.value.func, "id", getattr(n.value.func, "attr", "")) == "Scenario"}
    return bool({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & scenario_vars)


def write(scenario: Scenario, steps: list, output: str, verdict: str) -> Path:
    path = Path(scenario.source_path)
    text = path.read_text()
    tree = ast.parse(text)
    factory = _source_of(scenario.factory, tree, text) or _scenario_factory_expr(tree, text)
    if factory is None:
        raise ValueError("cannot find the factory's source in the scenario file")
    used = sorted({s[0] for t in steps for s in t})
    op_sources = {}
    for kind in used:
        op = scenario.ops[kind]
        src = _source_of(op.fn, tree, text)
        if src is None:
            raise ValueError(f"cannot find the source of operation {op.name!r} in the scenario file")
        op_sources[op.name] = src
    plan = [[(scenario.ops[kind].name, scenario.ops[kind].make_args(seed)) for kind, seed, _, _ in t]
            for t in steps]
    lines = [
        f'"""Repro written by `ftkit stress` ({verdict}) from {path.name}: {len(plan)} threads, '
        f'{sum(map(len, plan))} operations.',
        "",
        "Runs the plan below many times on plain threads. Exit 1 = reproduced (message says how);",
        'a crash kills the process (Segmentation fault). Exit 0 = not reproduced in RUNS runs."""',
        "import sys",
        "import threading",
        "",
        "# As `ftkit stress` ran it: the scenario's folder first on sys.path.",
        f"sys.path.insert(0, {str(path.parent)!r})",
        "",
    ]
    lines += [k.rstrip() for k in _kept_top_level(tree, text)]
    defs = []
    for name, src in [("factory", factory), *op_sources.items()]:
        if src.lstrip().startswith("def ") or src.lstrip().startswith("@"):
            fn_name = ast.parse(textwrap.dedent(src)).body[0].name
            defs.append(textwrap.dedent(src).rstrip())
            defs.append(f"{_ident(name)} = {fn_name}")
        else:
            defs.append(f"{_ident(name)} = {src}")
    lines += ["", "# The shared object and the operations, copied from the scenario.", *defs, ""]
    lines.append("OPS = {" + ", ".join(f"{n!r}: {_ident(n)}" for n in op_sources) + "}")
    lines.append(f"PLAN = {plan!r}")
    lines.append(_RUNNER)
    out = Path(output)
    out.write_text("\n".join(lines) + "\n")
    return out


def _ident(name: str) -> str:
    return "op_" + "".join(c if c.isalnum() else "_" for c in name) if name != "factory" else "factory"


_RUNNER = '''RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


def outcome(value):
    return value if isinstance(value, tuple) and value[:1] == ("raise",) else ("value", repr(value))


def call(obj, name, args):
    try:
        return outcome(OPS[name](obj, *args))
    except Exception as e:
        return ("raise", type(e).__name__)


def interleavings(counts, prefix=()):
    """Every merge of the threads' programs that keeps each thread's own order."""
    if not any(counts):
        yield prefix
    for t, left in enumerate(counts):
        if left:
            nxt = list(counts)
            nxt[t] -= 1
            yield from interleavings(nxt, prefix + ((t, len(PLAN[t]) - left),))


def serial_outcomes():
    """Every result tuple some serial order of the plan produces."""
    slots = [(t, i) for t, ops in enumerate(PLAN) for i in range(len(ops))]
    seen = set()
    for order in interleavings([len(ops) for ops in PLAN]):
        obj, got = factory(), {}
        for t, i in order:
            got[(t, i)] = call(obj, *PLAN[t][i])
        seen.add(tuple(got[s] for s in slots))
    return seen


def main():
    allowed = serial_outcomes()
    # threading.Barrier wakes threads microseconds apart, which closes narrow race windows, so
    # after it the threads meet again at a spin barrier: the last to arrive releases the others.
    start, done = threading.Barrier(len(PLAN) + 1), threading.Barrier(len(PLAN) + 1)
    shared, results, go, arrived, lock = [None], {}, [-1], [0], threading.Lock()

    def worker(t):
        for run in range(RUNS):
            start.wait()
            with lock:
                arrived[0] += 1
                last = arrived[0] == len(PLAN) * (run + 1)
            if last:
                go[0] = run
            while go[0] != run:
                pass
            for i, (name, args) in enumerate(PLAN[t]):
                results[(t, i)] = call(shared[0], name, args)
            done.wait()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(len(PLAN))]
    for th in threads:
        th.start()
    slots = [(t, i) for t, ops in enumerate(PLAN) for i in range(len(ops))]
    for run in range(RUNS):
        shared[0] = factory()
        start.wait()
        done.wait()
        got = tuple(results[s] for s in slots)
        if got not in allowed:
            print(f"run {run}: results no serial order produces:")
            for (t, i), r in zip(slots, got):
                name, args = PLAN[t][i]
                shown = r[1] if r[0] == "value" else "raise " + r[1]
                print(f"  thread {t}: {name}({', '.join(map(repr, args))}) -> {shown}")
            sys.exit(1)
    print(f"not reproduced in {RUNS} runs")


if __name__ == "__main__":
    main()'''
