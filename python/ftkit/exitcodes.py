"""The exit codes every ftkit command shares (documented in the README)."""

CLEAN = 0        # nothing found
FINDINGS = 1     # the run worked and found problems
ENVIRONMENT = 2  # bad usage, bad input or a missing/broken environment: nothing was judged
