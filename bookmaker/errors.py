"""The exceptions bookmaker raises on purpose, each with a one-line message."""

from __future__ import annotations

from pathlib import Path


class BookmakerError(Exception):
    """Base of every error bookmaker reports to the user without a traceback."""


class UsageError(BookmakerError):
    """The command line or configuration is wrong (exit code 2)."""


class ArticleError(BookmakerError):
    """One input file cannot be read as an article; the build skips it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


class BuildError(BookmakerError):
    """An output could not be produced (exit code 1)."""
