"""Strict mode: the GIL turning on is fatal. `FTKIT_STRICT_GIL=1` (any process) or pytest's --ftkit-strict-gil."""

from .hook import ENV_VAR, EXIT_CODE, Flip, GILEnabledError, Watcher, gil_enabled

__all__ = ["ENV_VAR", "EXIT_CODE", "Flip", "GILEnabledError", "Watcher", "gil_enabled", "enabled_by_environment"]


def enabled_by_environment(environ) -> bool:
    """FTKIT_STRICT_GIL is on unless unset, empty or 0 (the same test the .pth file makes)."""
    return environ.get(ENV_VAR, "") not in ("", "0")
