"""Which files are articles: folders searched for article files, and their bytes read safely."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from .errors import ArticleError, UsageError

#: File name endings of article files when a folder is searched.
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
#: Larger files are refused unread: no article is this long, and reading one would
#: only cost memory.
MAX_FILE_BYTES = 20 * 1024 * 1024


def iter_source_files(sources: Iterable[Path]) -> list[Path]:
    """The article files named by ``sources``: files as given, folders searched.

    A folder is searched recursively for :data:`ARTICLE_SUFFIXES` files, skipping hidden
    files and folders, in path order. Raises :class:`UsageError` for a path that does not
    exist or a folder without article files.
    """
    found: dict[Path, Path] = {}
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files = _article_files(path)
            if not files:
                raise UsageError(f"no article files in {path}")
        elif path.is_file():
            files = [(path, path.resolve())]
        elif path.exists() or path.is_symlink():
            raise UsageError(f"not a file or folder: {path}")
        else:
            raise UsageError(f"no such file or folder: {path}")
        for file, resolved in files:
            found.setdefault(resolved, file)
    return list(found.values())


def _article_files(folder: Path) -> list[tuple[Path, Path]]:
    """``(path, resolved path)`` of the article files in ``folder``, by relative path.

    Resolving a path costs a system call per component; only symbolic links need it,
    the others are resolved by joining their name to their resolved folder.
    """
    files: list[tuple[str, Path, Path]] = []

    def walk(directory: Path, resolved: Path, relative: str) -> None:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            # A folder that cannot be searched is listed, to be skipped with its reason.
            files.append((relative, directory, resolved))
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                if not entry.is_symlink():  # as os.walk: linked folders are not entered
                    walk(directory / name, resolved / name, f"{relative}{name}/")
            elif os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES and (
                    entry.is_file() or entry.is_symlink()):
                # A link to nothing is kept too: it is skipped with its reason.
                path = directory / name
                files.append((f"{relative}{name}", path,
                              path.resolve() if entry.is_symlink() else resolved / name))

    walk(folder, folder.resolve(), "")
    files.sort(key=lambda file: file[0])
    return [(path, resolved) for _, path, resolved in files]


def read_article_file(path: Path) -> bytes:
    """The bytes of the article file at ``path``; raises :class:`ArticleError` only."""
    try:
        found = path.stat()
        if stat.S_ISDIR(found.st_mode):
            with os.scandir(path):  # raises why the folder could not be searched
                raise ArticleError(path, "a folder, not an article file")
        size = found.st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(path, f"too large ({size / 2**20:.1f} MB; "
                                     f"the limit is {MAX_FILE_BYTES // 2**20} MB)")
        return path.read_bytes()
    except OSError as error:
        verb = "search folder" if path.is_dir() else "read"
        raise ArticleError(path, f"cannot {verb}: {error.strerror or error}") from None
