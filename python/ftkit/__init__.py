"""ftkit: check, enforce, test, fix and measure an extension module's free-threading readiness."""

__version__ = "0.1.0"
