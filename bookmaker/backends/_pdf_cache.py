"""The cache of typeset parts: ``<cache>/pdf-parts/<key>.part``, one fragment per file.

Next to the parts, ``<name>.json`` records keep hints for later builds (the length of
a book's front matter and chapter openers). A key is a hash of everything that decides
a part's pages: its HTML (articles, links,
page numbers it prints, image names), the bytes of the images it names, the
stylesheets, the templates, the fonts on disk and the versions of bookmaker,
WeasyPrint and pypdf. Files are written whole under a temporary name and renamed, so
a reader never sees half a part; a file that cannot be read is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable

from .. import fonts
from ..atomic import atomic_path
from ..render import template_fingerprint
from ._pdf_assets import ASSET_SCHEME

LOGGER = logging.getLogger("bookmaker.pdf")

#: Bumped whenever the way parts are made or stored changes.
FORMAT = "5"
#: A part nobody used for this long is removed after a build.
KEEP_DAYS = 30
_ASSET_REFERENCE = re.compile(re.escape(ASSET_SCHEME) + r":([A-Za-z0-9][A-Za-z0-9._-]*)")


def fingerprint() -> str:
    """A hash of what every part depends on besides its own HTML and stylesheets."""
    digest = hashlib.sha256(f"pdf-parts {FORMAT}".encode())
    for package in ("bookmaker", "weasyprint", "pypdf", "pydyf"):
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    digest.update(template_fingerprint().encode())
    for style in ("serif", "sans"):
        for bold in (False, True):
            font = fonts.find_cjk_font(style, bold)
            if font is not None:
                try:
                    stat = font.path.stat()
                except OSError:
                    continue
                digest.update(f"{font.path} {font.index} {stat.st_size} {stat.st_mtime_ns}\n"
                              .encode())
    return digest.hexdigest()


class PartCache:
    """Typeset parts by key, in one folder."""

    def __init__(self, root: Path, fingerprint: str, asset_dir: Path) -> None:
        self.folder = Path(root) / "pdf-parts"
        self.fingerprint = fingerprint
        self.asset_dir = asset_dir
        self._asset_hashes: dict[str, str] = {}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.folder, delete=True)
            probe.close()
        except OSError as exc:
            # A cache that cannot be written only costs time: use a throwaway folder.
            LOGGER.warning("PDF part cache %s is not writable (%s); parts are not kept",
                           self.folder, exc.strerror or exc)
            self.folder = Path(tempfile.mkdtemp(prefix="bookmaker-parts-", dir=asset_dir))

    def key(self, kind: str, html: str, stylesheets: Iterable[str]) -> str:
        """The key of a part made from ``html`` with ``stylesheets``."""
        digest = hashlib.sha256(f"{self.fingerprint}\n{kind}\n".encode())
        for sheet in stylesheets:
            digest.update(hashlib.sha256(sheet.encode()).digest())
        digest.update(html.encode())
        for name in sorted(set(_ASSET_REFERENCE.findall(html))):
            digest.update(f"\n{name} {self._asset_hash(name)}".encode())
        return digest.hexdigest()[:40]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.part"

    def hit(self, key: str) -> bool:
        """Whether the part is stored; a hit is marked as used now."""
        path = self.path(key)
        try:
            os.utime(path)
        except OSError:
            return False
        return True

    def forget(self, key: str) -> None:
        """Remove a stored part that turned out to be unreadable."""
        try:
            self.path(key).unlink()
        except OSError:
            pass

    def recall(self, name: str) -> object | None:
        """A small record stored by :meth:`remember`, or ``None``."""
        try:
            path = self.folder / f"{name}.json"
            value = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)
            return value
        except (OSError, ValueError):
            return None

    def remember(self, name: str, value: object) -> None:
        """Store a small JSON record under ``name`` (a hint for later builds)."""
        try:
            with atomic_path(self.folder / f"{name}.json") as temporary:
                temporary.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass

    def prune(self, keep: Iterable[str], days: float = KEEP_DAYS) -> None:
        """Remove files not in ``keep`` (keys or record names) that no build has used
        for ``days``."""
        kept = {f"{key}{suffix}" for key in keep for suffix in (".part", ".json")}
        limit = time.time() - days * 86400
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.name not in kept and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
            except OSError:
                continue

    def _asset_hash(self, name: str) -> str:
        if name not in self._asset_hashes:
            try:
                data = (self.asset_dir / name).read_bytes()
            except OSError:
                data = b""
            self._asset_hashes[name] = hashlib.sha256(data).hexdigest()
        return self._asset_hashes[name]
