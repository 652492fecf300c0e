"""Article images: fetched safely, cached by content, shrunk, ready for the backends.

The public API is what this package exports: :func:`prepare_images` (the assets
stage of a build), :func:`fetch_command` (``bookmaker fetch-images``) and
:class:`ImageReport`.
"""

from .stage import ImageReport, fetch_command, prepare_images

__all__ = ["ImageReport", "fetch_command", "prepare_images"]
