"""bookmaker: archived news articles in, an EPUB and a print-ready PDF digest out.

The public API is what this package exports (``__all__``); everything else may change.
Heavy modules (the reader's HTML stack, WeasyPrint) load only when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .backends import Backend, available_formats, load_backend
from .errors import ArticleError, BookmakerError, BuildError, UsageError
from .model import Article, Book, Chapter, Figure, Footer, LocalImage
from .options import Options

#: The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

#: Public names loaded on first use: name → module.
_LAZY = {
    "parse_file": ".reader",
    "parse_bytes": ".reader",
    "collect": ".collector",
    "Collection": ".collector",
}

__all__ = [
    "Article", "ArticleError", "Backend", "Book", "BookmakerError", "BuildError", "Chapter",
    "Collection", "Figure", "Footer", "LocalImage", "Options", "UsageError", "__version__",
    "available_formats", "collect", "load_backend", "parse_bytes", "parse_file",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bookmaker' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
