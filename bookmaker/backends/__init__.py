"""Output formats: the ``Backend`` protocol and how backends are found by name."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import UsageError
from ..model import Book
from ..options import Options

#: Entry-point group through which any package (bookmaker included) adds a format.
ENTRY_POINT_GROUP = "bookmaker.backends"

#: The formats bookmaker ships, name → "module:Class"; used when the package's own
#: entry points are not installed (running from a bare checkout).
BUILTIN_BACKENDS = {
    "epub": "bookmaker.backends.epub:EpubBackend",
    "pdf": "bookmaker.backends.pdf:PdfBackend",
}


@runtime_checkable
class Backend(Protocol):
    """What a format must provide."""

    #: Name used on the command line (``--format NAME``).
    name: str
    #: File suffix of the output, with the dot (".epub").
    suffix: str

    def write(self, book: Book, target: Path, options: Options) -> Path:
        """Write ``book`` to ``target`` atomically and return the path written."""
        ...


def _targets() -> dict[str, str]:
    """Every format: the built-in ones, then those other packages register (a plugin
    cannot take a built-in name)."""
    from importlib.metadata import entry_points  # slow to import: only when asked

    targets = {entry.name: entry.value for entry in entry_points(group=ENTRY_POINT_GROUP)}
    return {**targets, **BUILTIN_BACKENDS}


def available_formats() -> list[str]:
    """Names of every known format, sorted."""
    return sorted(_targets())


def load_backend(name: str) -> Backend:
    """Import and instantiate the backend called ``name`` (only that one is imported)."""
    targets = BUILTIN_BACKENDS if name in BUILTIN_BACKENDS else _targets()
    if name not in targets:
        known = ", ".join(sorted(targets))
        raise UsageError(f"unknown format {name!r}; known formats: {known}")
    module_name, _, attr = targets[name].partition(":")
    from importlib import import_module

    try:
        backend_class = getattr(import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"format {name!r} is not available: {exc}") from None
    backend = backend_class()
    if not isinstance(backend, Backend):
        raise UsageError(
            f"format {name!r}: {targets[name]} does not provide name, suffix and write()")
    return backend
