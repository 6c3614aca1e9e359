"""The neutral findings model every ftkit component reports through, and its renderers."""

from .finding import Confidence, Finding, Report, Severity, Subject, Table, Verdict

__all__ = ["Confidence", "Finding", "Report", "Severity", "Subject", "Table", "Verdict"]
