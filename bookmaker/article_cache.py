"""Parsed articles kept on disk by their file's hash, so an unchanged file is parsed once."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
import os
import pickle
import sqlite3
import sys
import unicodedata
from pathlib import Path
from typing import Iterable

from .model import Article, Figure, Footer

log = logging.getLogger(__name__)

#: The modules whose code decides what an article file parses into (and how it is
#: stored): a change to any of them makes every cached article stale.
READER_MODULES = ("reader", "cleaner", "decoding", "sections", "language", "structure",
                  "nodes", "figures", "footer", "model", "article_cache")

#: What a cache entry may hold: the model's dataclasses and the few standard types in
#: their fields. Anything else in an entry is refused, never constructed.
_ALLOWED_GLOBALS = {
    ("bookmaker.model", "Article"): Article,
    ("bookmaker.model", "Figure"): Figure,
    ("bookmaker.model", "Footer"): Footer,
}
_ALLOWED_STANDARD = {("datetime", "datetime"), ("datetime", "timezone"),
                     ("datetime", "timedelta"), ("pathlib", "PosixPath"),
                     ("pathlib", "WindowsPath"), ("pathlib", "Path")}
#: Digests per query: SQLite's oldest limit on query parameters is 999.
_BATCH = 900
#: SQLite's codes for a damaged database file and for a file that is not one.
_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def cache_root(cache_dir: Path | None) -> Path:
    """``cache_dir``, or bookmaker's folder in the user cache (as the images stage)."""
    if cache_dir is not None:
        return Path(cache_dir)
    import platformdirs

    return Path(platformdirs.user_cache_dir("bookmaker"))


@functools.lru_cache(maxsize=1)
def reader_fingerprint() -> str:
    """A hash of everything that decides a parse: the reader's source code, bookmaker's
    version, and the versions of Python, Unicode data, nh3 and lxml."""
    import lxml.etree
    import nh3

    from . import __version__

    return code_fingerprint(
        (__version__, sys.version, unicodedata.unidata_version, nh3.__version__,
         lxml.etree.LXML_VERSION, lxml.etree.LIBXML_VERSION), READER_MODULES)


def code_fingerprint(versions: Iterable[object], modules: Iterable[str]) -> str:
    """A hash of ``versions`` and of the source of bookmaker's ``modules`` (dotted names
    below the package: "reader", "backends._epub_pages")."""
    digest = hashlib.sha256()
    for part in versions:
        digest.update(repr(part).encode())
    package = Path(__file__).resolve().parent
    for name in modules:
        digest.update(name.encode())
        digest.update(source_or_nonce(package / f"{name.replace('.', '/')}.py"))
    return digest.hexdigest()


def source_or_nonce(path: Path) -> bytes:
    """The bytes of a source file; random ones when it cannot be read (an install
    without sources), so that nothing cached under an unknown version is ever reused."""
    try:
        return path.read_bytes()
    except OSError:
        return os.urandom(16)


def file_digest(data: bytes) -> str:
    """The key of an article file: the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


class ArticleCache:
    """``<cache>/articles.sqlite``: pickled articles by file digest.

    One database rather than a file per article: creating a thousand small files costs
    more than parsing them on some file systems. Entries of another reader fingerprint
    are dropped when the database is opened; an entry that cannot be read back is a
    miss (and is replaced by the next parse); a database that cannot be opened is
    deleted and made anew, or else the build goes on without a cache.
    """

    def __init__(self, root: Path, fingerprint: str | None = None) -> None:
        self.path = Path(root) / "articles.sqlite"
        self.fingerprint = fingerprint or reader_fingerprint()
        self._db: sqlite3.Connection | None = None
        self._opened = False

    def empty(self) -> bool:
        """Whether no article is cached (then there is nothing to look up)."""
        db = self._connect()
        try:
            return db is None or db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True

    def get_many(self, digests: Iterable[str]) -> dict[str, Article]:
        """The cached articles of these digests (their ``source_path`` is the one of the
        file first parsed; callers put their own)."""
        db = self._connect()
        found: dict[str, Article] = {}
        if db is None:
            return found
        wanted = list(dict.fromkeys(digests))
        try:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start:start + _BATCH]
                marks = ",".join("?" * len(batch))
                for digest, data in db.execute(
                        f"SELECT digest, data FROM articles WHERE digest IN ({marks})", batch):
                    article = _load(data)
                    if article is not None:
                        found[digest] = article
        except sqlite3.Error as exc:
            log.debug("%s: cache not read: %s", self.path, exc)
            return found
        return found

    def put_many(self, entries: Iterable[tuple[str, Article]]) -> None:
        """Store articles by digest in one transaction, then close the database; a
        failure only costs speed."""
        db = self._connect()
        if db is None:
            return
        # A generator: one pickled article in memory at a time, not all of them.
        rows = ((digest, pickle.dumps(article, pickle.HIGHEST_PROTOCOL))
                for digest, article in entries)
        try:
            with db:  # one transaction: autocommit would write a journal per row
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            log.debug("%s: articles not cached: %s", self.path, exc)
        finally:
            self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connect(self) -> sqlite3.Connection | None:
        if not self._opened:
            self._opened = True
            for attempt in (1, 2):
                try:
                    self._db = self._open()
                    break
                except sqlite3.DatabaseError as exc:
                    damaged = getattr(exc, "sqlite_errorcode", None) in _DAMAGED
                    log.debug("%s: no article cache: %s", self.path, exc)
                    if not damaged or attempt == 2:
                        break
                    try:  # not a database, or a damaged one: start again from nothing
                        self.path.unlink(missing_ok=True)
                    except OSError:
                        break
                except (sqlite3.Error, OSError) as exc:
                    log.debug("%s: no article cache: %s", self.path, exc)
                    break
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Reads happen on the main thread, the write may happen on another one (never
        # both at once).
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                             check_same_thread=False)
        try:
            # A cache need not survive a power cut: a damaged file is rebuilt above.
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS articles "
                       "(digest TEXT PRIMARY KEY, data BLOB NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'reader'").fetchone()
            if row is None or row[0] != self.fingerprint:
                with db:
                    db.execute("BEGIN")
                    db.execute("DELETE FROM articles")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('reader', ?)",
                               (self.fingerprint,))
        except BaseException:
            db.close()
            raise
        return db


def _load(data: bytes) -> Article | None:
    try:
        article = _SafeUnpickler(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - a damaged entry is only a cache miss
        return None
    return article if isinstance(article, Article) else None


def with_path(article: Article, path: Path) -> Article:
    """``article`` as read from ``path``: the same bytes parse the same under any name."""
    return dataclasses.replace(article, source_path=Path(path))


class _SafeUnpickler(pickle.Unpickler):
    """Builds only the model's dataclasses and their field types from a cache entry."""

    def find_class(self, module: str, name: str) -> object:
        allowed = _ALLOWED_GLOBALS.get((module, name))
        if allowed is not None:
            return allowed
        if (module, name) in _ALLOWED_STANDARD:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused global {module}.{name} in the article cache")
