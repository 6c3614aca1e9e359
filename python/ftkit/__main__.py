"""`python -m ftkit` is the `ftkit` command."""

import sys

from .cli import main

sys.exit(main())
