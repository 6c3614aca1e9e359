"""The one error for "the suite needs something `make prepare` has not made": tests fail with it."""

from __future__ import annotations


class NotPrepared(Exception):
    """Raised by a lookup (never a build) when a manifest entry is missing from the cache."""

    def __init__(self, what: str, listed: bool = True) -> None:
        if listed:
            text = f"{what} is not prepared: run `make prepare` (tools/prepare.py) first"
        else:
            text = (f"{what} is not in the test manifest (tools/harness/manifest.py): add it there, "
                    "then run `make prepare`")
        super().__init__(text)
