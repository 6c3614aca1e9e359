"""Test harness shared by every ftkit test suite: fixture compiler and the GIL session guard."""
