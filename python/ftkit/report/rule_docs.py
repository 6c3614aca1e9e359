"""A rule's title, help text and documentation link, for the renderers that describe rules
(SARIF's rule table, GitHub's annotation titles, HTML).

Rules come from the one rule table, python/ftkit/rules.py; their docs are docs/rules.md, one
heading per rule (the anchor is the id with "/" as "-"). A rule id not in the table yet (the
doctor's and history's) links to its command's guide instead.

The link is absolute when the installed distribution names a "Documentation" Project-URL
(pyproject.toml [project.urls]); the rule page is then DOC_URL/rules.md#anchor. Without one it
is the repository-relative "docs/rules.md#anchor", which GitHub resolves in the repository's
own tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Guides of the components whose rules are not in the table (yet).
GUIDES = {"doctor": "interpreters.md", "history": "history.md", "gilcheck": "gilcheck.md",
          "stress": "stress.md", "audit": "audit.md"}


@dataclass(frozen=True)
class RuleDoc:
    id: str
    title: str
    help: str
    fix: str | None
    uri: str


@cache
def docs_base() -> str:
    """Where docs/ is published: the Documentation Project-URL, else the repository path."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        urls = metadata("ftkit").get_all("Project-URL") or []
    except (ImportError, PackageNotFoundError):  # running from a source tree that is not installed
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip().rstrip("/")
    return "docs"


def rule_doc(rule_id: str) -> RuleDoc:
    from ..rules import RULES

    r = RULES.get(rule_id)
    if r is not None:
        return RuleDoc(r.id, r.title, r.help, r.fix, f"{docs_base()}/rules.md#{r.anchor}")
    component = rule_id.split("/", 1)[0]
    return RuleDoc(rule_id, rule_id, "", None, f"{docs_base()}/{GUIDES.get(component, 'rules.md')}")
