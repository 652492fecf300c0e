"""The content-addressed image cache shared by every build on this machine."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import article_cache
from ..atomic import atomic_path
from ..options import Options

SUFFIX_MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def cache_root(options: Options) -> Path:
    """``<cache_dir>/images``, or ``images`` in the user cache folder of bookmaker."""
    return article_cache.cache_root(options.cache_dir) / "images"


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class ImageCache:
    """Downloads and processed images on disk, safe for concurrent builds.

    Three stores, each file written to a temporary name and renamed into place, so
    a reader sees a whole file or none:

    * ``urls/ab/<sha256 of the URL key>``: the digest of what that URL gave us;
    * ``sources/ab/<sha256 of the bytes>``: the bytes as downloaded;
    * ``processed/ab/<sha256 of source digest + settings>.jpg|.png``: the output.

    Changing the processing settings (grayscale, box) therefore re-processes from
    ``sources`` without downloading again, and two URLs that serve the same bytes
    share one source and one processed file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, store: str, digest: str, suffix: str = "") -> Path:
        return self.root / store / digest[:2] / f"{digest}{suffix}"

    def source_digest(self, key: str) -> str | None:
        """Digest of the download cached for the URL ``key``, if there is one."""
        try:
            digest = self._path("urls", sha256(key)).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return digest if len(digest) == 64 else None

    def read_source(self, digest: str) -> bytes | None:
        """The downloaded bytes with that digest; ``None`` if missing or damaged."""
        try:
            data = self._path("sources", digest).read_bytes()
        except OSError:
            return None
        return data if sha256(data) == digest else None

    def store_source(self, key: str, data: bytes) -> str:
        """Keep a download of the URL ``key``; returns its digest."""
        digest = sha256(data)
        source = self._path("sources", digest)
        if not source.exists():
            _write(source, data)
        _write(self._path("urls", sha256(key)), f"{digest}\n".encode("ascii"))
        return digest

    def find_processed(self, digest: str, signature: str) -> Path | None:
        """The processed file for a source and settings, if it was made before."""
        name = sha256(f"{digest}\n{signature}")
        for suffix in SUFFIX_MEDIA_TYPES:
            path = self._path("processed", name, suffix)
            if path.is_file():
                return path
        return None

    def store_processed(self, digest: str, signature: str, data: bytes,
                        suffix: str) -> Path:
        """Keep a processed image; returns where it is."""
        path = self._path("processed", sha256(f"{digest}\n{signature}"), suffix)
        _write(path, data)
        return path


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
