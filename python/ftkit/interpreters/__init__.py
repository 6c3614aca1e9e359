"""Interpreters ftkit runs targets under: the ones it builds (bootstrap) and the ones it finds.

probe(path) says what an interpreter is (discover.py); resolve.resolve(command, python, ...) is the
one policy every command uses to choose a free-threaded one (resolve.py).
"""

from .discover import Interpreter, probe

__all__ = ["Interpreter", "probe"]
