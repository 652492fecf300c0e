"""The only resources WeasyPrint may read: data: URIs and the files of one asset folder."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ._pdf_assets import ASSET_NAME, ASSET_SCHEME, MEDIA_TYPES

LOGGER = logging.getLogger("bookmaker.pdf")


class RefusedResource(ValueError):
    """A resource the book may not read; WeasyPrint logs it and renders without it."""


class AssetFetcher(URLFetcher):
    """Serve ``data:`` URIs and regular files of ``asset_dir``; refuse everything else.

    Article markup reaches WeasyPrint as HTML, so every ``img``, ``link``, CSS
    ``url()``, ``@import``, font, SVG reference and attachment it names comes through
    here. No network scheme and no ``file:`` URL is ever opened; an asset is a flat
    name whose file must be a regular file (not a symbolic link) directly inside the
    folder.
    """

    def __init__(self, asset_dir: Path) -> None:
        # The parent's own limits are a second fence: no redirects, one scheme it opens.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.asset_dir = Path(os.path.realpath(asset_dir))
        #: Every address refused during the build, in the order asked.
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == ASSET_SCHEME:
            path = self._asset_path(url.partition(":")[2])
            if path is not None:
                media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
                # A file object (not bytes) with a file: URL lets WeasyPrint read the
                # image again from disk when it writes the PDF instead of holding it.
                return URLFetcherResponse(path.as_uri(), path.open("rb"),
                                          {"Content-Type": media_type})
        self.refused.append(url)
        LOGGER.warning("refused to read %s: not a file of the book's asset folder",
                       _shorten(url))
        raise RefusedResource(f"refused: {_shorten(url)}")

    def _asset_path(self, name: str) -> Path | None:
        if not ASSET_NAME.fullmatch(name):
            return None
        path = self.asset_dir / name
        try:
            mode = path.lstat().st_mode
        except OSError:
            return None
        return path if stat.S_ISREG(mode) else None


def _shorten(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + "…"
