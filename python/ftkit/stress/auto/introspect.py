"""What `--auto` can call on a module: its public types, their constructors and methods, and how
many positional arguments each takes, found by introspection.

Arity comes, in order, from inspect.signature (a C method's `__text_signature__`, a Cython
function with binding=True, a Python def), from the first line of the docstring (Cython's
`embedsignature` writes `name(self, a, b=1)` there, as do many hand-written C docs), and failing
both, "unknown" (the learner then tries 0 to MAX_ARGS arguments).
"""

from __future__ import annotations

import ast
import inspect
import re
import types
from dataclasses import dataclass

MAX_ARGS = 3
# Dunders that are operations on the instance worth racing (each differs from object's own);
# __iter__ is raced as list(obj), __len__ as len(obj).
DUNDERS = ("__getitem__", "__setitem__", "__delitem__", "__len__", "__iter__", "__contains__", "__repr__",
           "__add__", "__sub__", "__mul__", "__neg__", "__iadd__", "__isub__", "__imul__", "__call__",
           "__copy__", "__reversed__", "__hash__", "__eq__")


@dataclass(frozen=True)
class Callable_:
    """One method or attribute of a type: name, kind ("method" | "attribute") and the positional
    arguments it takes after self, as (fewest, most); most None when unknown."""
    name: str
    kind: str
    arity: tuple[int, int | None]


def public_types(module: types.ModuleType) -> dict[str, type]:
    """Classes the module (or its package) defines and exports under a public name; exceptions
    and classes from elsewhere (re-exported builtins, typing helpers) are not its own."""
    root = module.__name__.split(".")[0]
    out = {}
    for name in sorted(getattr(module, "__all__", None) or dir(module)):
        value = getattr(module, name, None)
        if (name.startswith("_") or not isinstance(value, type) or issubclass(value, BaseException)
                or not (getattr(value, "__module__", "") or "").split(".")[0] == root):
            continue
        out[name] = value
    return out


def members(cls: type) -> list[Callable_]:
    """The instance methods and readable attributes of cls that are its own (not object's)."""
    out = []
    for name in sorted(dir(cls)):
        if name.startswith("_") and name not in DUNDERS:
            continue
        try:
            raw = inspect.getattr_static(cls, name)
            if name in DUNDERS and getattr(cls, name, None) is getattr(object, name, None):
                continue
            resolved = getattr(cls, name)
        except Exception:  # a class attribute whose descriptor raises: nothing to call
            continue
        if isinstance(raw, (staticmethod, classmethod, type)) or type(raw).__name__ == "classmethod_descriptor":
            continue  # not a call on the shared instance
        if inspect.isdatadescriptor(raw) or isinstance(raw, property):
            out.append(Callable_(name, "attribute", (0, 0)))
        elif callable(raw):
            out.append(Callable_(name, "method", arity(resolved, bound=True)))
    return out


def arity(fn, bound: bool) -> tuple[int, int | None]:
    """(fewest, most) positional arguments fn takes (after self when bound); most None if unknown."""
    params = _signature_params(fn)
    if params is None:
        params = _docstring_params(fn)
    if params is None:
        return (0, None)
    if bound and params and params[0][1] != "varargs":
        params = params[1:]  # the first positional parameter is the instance, whatever its name
    if any(kind == "varargs" for _, kind in params):
        fewest = sum(kind == "required" for _, kind in params)
        return (fewest, None)
    positional = [p for p in params if p[1] in ("required", "optional")]
    return (sum(kind == "required" for _, kind in positional), len(positional))


def _signature_params(fn) -> list[tuple[str, str]] | None:
    try:
        sig = inspect.signature(fn)
    except Exception:  # ValueError, TypeError, or whatever a custom __signature__ raises
        return None
    out = []
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            out.append((p.name, "varargs"))
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append((p.name, "required" if p.default is p.empty else "optional"))
    return out


_DOC_SIGNATURE = re.compile(r"^\s*(?:[\w.]+\.)?(\w+)\((.*?)\)")


def _docstring_params(fn) -> list[tuple[str, str]] | None:
    """Parameters from a docstring's first line, `name(self, a, b=1)` (Cython's embedsignature)."""
    doc = getattr(fn, "__doc__", None) or ""
    match = _DOC_SIGNATURE.match(doc.split("\n", 1)[0] if doc.strip() else "")
    if not match or match.group(1) != getattr(fn, "__name__", match.group(1)):
        return None
    text = re.sub(r":\s*[^,=]+", "", match.group(2))  # drop annotations: "a: int = 1" -> "a = 1"
    try:
        args = ast.parse(f"def f({text}): pass").body[0].args
    except SyntaxError:
        return None
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    out = [(a.arg, "required" if i < first_default else "optional") for i, a in enumerate(positional)]
    if args.vararg:
        out.append((args.vararg.arg, "varargs"))
    return out
