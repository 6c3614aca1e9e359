"""Helpers for the audit tests: the real-wheel corpus and fixture sources."""
