"""Fixtures shared across the test suite: the seed article and the fixture folders."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The reference article of DESIGN.md §1."""
    return TESTS.parent / "seeds" / "000_ecd4ffb1dd5f90be.txt"


@pytest.fixture(scope="session")
def seed_article(seed_path):
    """The seed, parsed once for every test that only reads it."""
    from bookmaker.reader import parse_file

    return parse_file(seed_path)


@pytest.fixture(scope="session")
def odd_dir() -> Path:
    """A folder of odd, broken and hostile article files (``bookmaker list`` works on it)."""
    return TESTS / "fixtures" / "odd"
