#!/usr/bin/env python3
"""Build the interpreters ftkit needs, with nothing but a system Python 3.9+ (before any venv)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

from ftkit.commands.bootstrap import main

if __name__ == "__main__":
    sys.exit(main())
