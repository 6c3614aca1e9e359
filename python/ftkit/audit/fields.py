"""The audit results' JSON, written from the core's one field table (src/audit/audit_fields.hpp).

Each result class of ftkit._core carries FIELDS: (attribute, json path, "key" | "null_if_empty" |
"omit") rows. A json path "a.b" nests objects, "[i]" makes the object an array, and "" writes the
object as that one value. Enums are written as their report names (GilVerdict.not_used ->
"not-used"); an undecided value (an unreadable module) is None, written as "".
"""

from __future__ import annotations

import enum
from typing import Any


def text(value: enum.Enum | None) -> str:
    """The report name of a core enum value: "not-used", "free-threaded", "multi-phase"; "" for None."""
    return "" if value is None else value.name.replace("_", "-")


def to_json(value: Any) -> Any:
    """A core result (or a list of them, an enum, a plain value) as JSON-ready data."""
    if value is None or isinstance(value, enum.Enum):
        return text(value)
    if isinstance(value, list):
        return [to_json(v) for v in value]
    fields = getattr(type(value), "FIELDS", None)
    if fields is None:
        return value
    out: dict[str, Any] = {}
    items: list[Any] = []
    for name, path, how in fields:
        if how == "omit":
            continue
        item = to_json(getattr(value, name))
        if how == "null_if_empty" and not item:
            item = None
        if path == "":
            return item
        if path.startswith("["):
            items.append(item)
            continue
        *parents, key = path.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[key] = item
    return items if items else out
