"""What parent and worker share: the progress file layout and the event stream format."""

from __future__ import annotations

import json
import sys

HEADER = 8  # int64: the trial running now (-1 before the first)


def progress_size(threads: int) -> int:
    """HEADER, then per engine thread int32 operations started and int32 finished."""
    return HEADER + 8 * threads


def emit(event: str, **data) -> None:
    """One JSON object per line on stdout; the parent skips lines that are not ours."""
    sys.stdout.write(json.dumps({"event": event, **data}, default=repr) + "\n")
    sys.stdout.flush()
