"""The per-build asset folder of a PDF: the book's processed images, checked and linked."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Mapping

from ..model import LocalImage

LOGGER = logging.getLogger("bookmaker.pdf")

#: How the document addresses the files of its asset folder: ``bookmaker-asset:NAME``.
#: A scheme of its own, rather than the folder's ``file:`` URL, keeps the random
#: temporary path out of the PDF (WeasyPrint names each image after the hash of its
#: URL), so two builds of the same book are byte-identical.
ASSET_SCHEME = "bookmaker-asset"

#: A flat file name: no separators, so a name cannot climb out of the folder.
ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

#: Media types the PDF embeds, with the first bytes their files must start with.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
             "image/webp": ".webp"}
#: File suffix → media type, for serving the staged files.
MEDIA_TYPES = {suffix: media_type for media_type, suffix in _SUFFIXES.items()}


def asset_url(name: str) -> str:
    """The address of ``name`` in the asset folder, as the document writes it."""
    return f"{ASSET_SCHEME}:{name}"


def stage_images(images: Mapping[str, LocalImage], asset_dir: Path) -> dict[str, str]:
    """Put every usable image of ``images`` into ``asset_dir``; return URL → file name.

    The images stage writes processed files into its cache; the PDF reads only its
    own folder, so each file is hard-linked (or copied) here first, and only when it
    is a regular file whose bytes are the image its media type says. Anything else
    (a symbolic link, a device, ``/etc/passwd`` dressed as a PNG) is left out with a
    warning, and its figure keeps the caption alone.
    """
    staged: dict[str, str] = {}
    for url in sorted(images):
        image = images[url]
        problem = _problem(image)
        if problem:
            LOGGER.warning("image %s left out of the PDF: %s", url, problem)
            continue
        # One file per source: two addresses of the same image share it.
        name = "img-" + hashlib.sha256(str(image.path).encode()).hexdigest()[:20] \
            + _SUFFIXES[image.media_type]
        if not (asset_dir / name).exists():
            _link_or_copy(Path(image.path), asset_dir / name)
        staged[url] = name
    return staged


def _problem(image: LocalImage) -> str | None:
    """Why ``image`` cannot be embedded, or ``None`` when it can."""
    signatures = _SIGNATURES.get(image.media_type)
    if signatures is None:
        return f"unsupported media type {image.media_type!r}"
    try:
        if not stat.S_ISREG(os.lstat(image.path).st_mode):
            return f"{image.path} is not a regular file"
        with open(image.path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        return f"cannot read {image.path} ({exc.strerror or exc})"
    if not head.startswith(signatures) or (
            image.media_type == "image/webp" and head[8:12] != b"WEBP"):
        return f"{image.path} does not hold {image.media_type} data"
    return None


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copyfile(source, destination, follow_symlinks=False)
