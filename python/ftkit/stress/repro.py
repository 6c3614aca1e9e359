"""A standalone repro script: the scenario's own code, a fixed plan, plain `threading`.

The script keeps the scenario file's top-level code except what belongs to ftkit (its imports
and every statement naming them or the Scenario), so the user's imports, sys.path tweaks and
helpers come along; the factory, operations and invariant are copied from their source text,
without the `@scenario.op(...)` decorators that declared them. repro_runner.py, a real module,
is the rest of the script: it runs the plan many times on long-lived threads released together,
and exits 1 with the evidence when results no serial order produces come back or the invariant
breaks; a crash kills it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any, Callable

from ..children import channel
from .scenario import Scenario


def _source_of(fn: Callable[..., Any], tree: ast.Module, text: str) -> str | None:
    """Source of a function or lambda defined in the scenario file, as an expression or def."""
    code = getattr(inspect.unwrap(fn), "__code__", None)  # through functools.wraps-style decorators
    if code is None:
        return None
    if getattr(fn, "__name__", "") != "<lambda>":
        try:
            return _without_scenario_decorators(textwrap.dedent(inspect.getsource(fn)), tree)
        except (OSError, TypeError):
            return None
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
               and len(n.args.args) == code.co_argcount]
    if not lambdas:
        return None
    return ast.get_source_segment(text, lambdas[0])


def _op_expression(fn: Callable[..., Any], tree: ast.Module, text: str) -> str | None:
    """For an operation with no source of its own (a C method: `scenario.op(Matrix.det)`), the
    expression the scenario file passed, found by the name it ends with."""
    name = getattr(fn, "__name__", None)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "op"
                and _uses_scenario(node.func, tree) and node.args
                and isinstance(node.args[0], (ast.Attribute, ast.Name))):
            arg = node.args[0]
            if (arg.attr if isinstance(arg, ast.Attribute) else arg.id) == name:
                return ast.get_source_segment(text, arg)
    return None


def _without_scenario_decorators(source: str, tree: ast.Module) -> str:
    """A def's source minus the decorators naming the Scenario (`@scenario.op(...)`): the script
    has no Scenario, and declaring the op is all they did (issue 17: NameError in every script)."""
    node = ast.parse(source).body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.decorator_list:
        return source
    lines = source.splitlines()
    kept = [ast.get_source_segment(source, d) for d in node.decorator_list if not _uses_scenario(d, tree)]
    return "\n".join([*(f"@{d}" for d in kept), *lines[node.lineno - 1:]]) + "\n"


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


# A race found with freed memory poisoned reproduces only under the same allocator, which must be
# chosen before the interpreter starts: the script starts itself again under it (keeping its fds).
_DEBUG_ALLOC = """
# The race was found with freed memory poisoned (PYTHONMALLOC=debug): a read of a freed block
# then crashes or returns garbage instead of the old value. Start again under it.
if os.environ.get("PYTHONMALLOC") != "debug":
    os.environ["PYTHONMALLOC"] = "debug"
    os.execv(sys.executable, [sys.executable, *sys.argv])
"""


def write(scenario: Scenario, steps: list, output: str, verdict: str, debug_alloc: bool = False) -> Path:
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
        # A method of a class the file defines (`scenario.op(Grid.set)`) is named through its class,
        # which the script keeps: copied out of it, its body's super() and __private names break.
        in_class = "." in getattr(op.fn, "__qualname__", "") and "<locals>" not in op.fn.__qualname__
        src = (in_class and _op_expression(op.fn, tree, text)) or _source_of(op.fn, tree, text) or \
            _op_expression(op.fn, tree, text)
        if src is None:
            raise ValueError(f"cannot find the source of operation {op.name!r} in the scenario file")
        op_sources[op.name] = src
    plan = [[(scenario.ops[kind].name, scenario.ops[kind].make_args(seed)) for kind, seed, _, _ in t]
            for t in steps]
    invariant = None
    if scenario.invariant is not None:
        invariant = _source_of(scenario.invariant, tree, text)
        if invariant is None:
            raise ValueError("cannot find the source of the scenario's invariant in the scenario file")
    lines = [
        f'"""Repro written by `ftkit stress` ({verdict}) from {path.name}: {len(plan)} threads, '
        f'{sum(map(len, plan))} operations.',
        "",
        "Runs the plan below many times on plain threads. Exit 1 = reproduced (message says how);",
        'a crash kills the process (Segmentation fault). Exit 0 = not reproduced in RUNS runs."""',
        "import json",
        "import os",
        "import sys",
        "import threading",
        "",
        *([_DEBUG_ALLOC.strip("\n"), ""] if debug_alloc else []),
        "# As `ftkit stress` ran it: the scenario's folder first on sys.path.",
        f"sys.path.insert(0, {str(path.parent)!r})",
        "",
    ]
    lines += [k.rstrip() for k in _kept_top_level(tree, text)]
    defs = []
    named = [("factory", factory), *op_sources.items()] + ([("invariant", invariant)] if invariant else [])
    for name, src in named:
        if src.lstrip().startswith("def ") or src.lstrip().startswith("@"):
            fn_name = ast.parse(textwrap.dedent(src)).body[0].name
            defs.append(textwrap.dedent(src).rstrip())
            defs.append(f"{_ident(name)} = {fn_name}")
        else:
            defs.append(f"{_ident(name)} = {src}")
    lines += ["", "# The shared object and the operations, copied from the scenario.", *defs, ""]
    lines.append("OPS = {" + ", ".join(f"{n!r}: {_ident(n)}" for n in op_sources) + "}")
    if invariant is None:
        lines.append("invariant = None")
    lines.append(f"RESULT_ENV = {channel.ENV_VAR!r}  # set only when ftkit stress runs this script as a check")
    lines.append(f"PLAN = {plan!r}")
    lines.append(_runner())
    out = Path(output)
    out.write_text("\n".join(lines) + "\n")
    return out


def _ident(name: str) -> str:
    return name if name in ("factory", "invariant") else "op_" + "".join(c if c.isalnum() else "_" for c in name)


def _runner() -> str:
    text = (Path(__file__).parent / "repro_runner.py").read_text()
    return text[text.index("# RUNNER\n") + len("# RUNNER\n"):].rstrip()
