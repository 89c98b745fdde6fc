"""Helpers shared by the end-to-end and browser tests (real server processes, real clients)."""
