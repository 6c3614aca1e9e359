"""words(): a pytester run's output with every run of white space as one space, for matching wrapped text.

Findings and summaries wrap to the terminal's width (80 columns in a log), so tests match words,
not line breaks.
"""

from __future__ import annotations


def words(result) -> str:
    return " ".join(result.stdout.str().split())
