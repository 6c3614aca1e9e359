"""Interpreters ftkit runs targets under: the ones it builds (bootstrap) and the ones it finds."""
