"""The package version, kept apart so that setup.cfg can read it without importing hpcq."""

__version__ = "0.1.0"
