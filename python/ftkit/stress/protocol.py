"""What parent and worker share: the progress file layout and the event channel.

Events are JSON objects, one per line, on a pipe that only the worker's own code writes to:
the user's code owns stdout and stderr, and a scenario that prints `{"event": "error"}` there
must not be taken for the worker speaking (issue 12).
"""

from __future__ import annotations

from ..children import channel

HEADER = 16  # int64: the trial running now (-1 before the first of a request); int64: its strategy
#              (an index into data.STRATEGIES: adaptive runs choose one per trial)


def progress_size(threads: int) -> int:
    """HEADER, then per engine thread int32 operations started and int32 finished."""
    return HEADER + 8 * threads


class EventChannel:
    """The worker's end of the event pipe: the runner's result channel, one line per event."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def emit(self, event: str, **data) -> None:
        channel.write_line(self.fd, {"event": event, **data})
