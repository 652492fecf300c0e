"""Turn downloaded bytes into a small, clean, deterministic JPEG or PNG with Pillow."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import PIL
from PIL import Image, ImageOps, UnidentifiedImageError

#: Input formats; anything else (TIFF, PSD, EPS, ICO, ...) is refused without parsing,
#: which keeps Pillow's less used decoders away from untrusted bytes.
INPUT_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
#: The largest source accepted, judged on the size the header declares, before any
#: pixel is decoded. Our own limit: Pillow's ``MAX_IMAGE_PIXELS`` is a process-wide
#: setting that any library may change. 40 MP of RGBA is 160 MB per worker; news
#: photos are a few megapixels.
MAX_SOURCE_PIXELS = 40_000_000
MAX_SOURCE_SIDE = 20_000
JPEG_QUALITY = 82
#: Change when process_image gives different bytes for the same input and settings,
#: so that cached results made by the old code are not reused.
PROCESS_VERSION = 1

# Pillow warns (and only warns) between its two bomb thresholds; we refuse such
# images ourselves, and a per-call catch_warnings() is not thread-safe.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class ImageRefused(Exception):
    """The bytes are not an image we will embed; the message is the one-line reason."""


@dataclass(frozen=True)
class ProcessSettings:
    """What the output must fit in; part of the processed image's cache key."""

    max_side: int = 1600
    max_pixels: int = 2_000_000
    grayscale: bool = False

    @property
    def signature(self) -> str:
        """Everything that changes the output bytes, as one line."""
        return (f"process-v{PROCESS_VERSION} pillow-{PIL.__version__} "
                f"side-{self.max_side} pixels-{self.max_pixels} "
                f"gray-{int(self.grayscale)} q-{JPEG_QUALITY}")


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def suffix(self) -> str:
        return ".png" if self.media_type == "image/png" else ".jpg"


class _EndWatch(io.BytesIO):
    """Remembers when a decoder asks for bytes past the end of the data.

    Pillow's own truncation check is switched off process-wide by
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` (WeasyPrint sets it on import), after which a
    cut-off JPEG or GIF loads quietly with grey where the picture should be. A
    decoder that still wants data when the data is over is exactly that case.
    """

    ran_out = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if not chunk and size != 0:
            self.ran_out = True
        return chunk


def process_image(data: bytes, settings: ProcessSettings) -> ProcessedImage:
    """Check, decode, orient, shrink and re-encode one image; same input, same bytes.

    Raises :class:`ImageRefused` for anything that is not a sound JPEG, PNG, GIF or
    WebP within the pixel limits.
    """
    source_format, width, height = _check_header(data)
    try:
        image = _decode_first_frame(data, fitted_size(width, height, settings))
        image = ImageOps.exif_transpose(image)
        image = _normal_mode(_to_srgb(image))
        keep_lossless = _has_alpha(image) or (
            source_format in ("PNG", "GIF") and image.getcolors(256) is not None)
        size = fitted_size(image.width, image.height, settings)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if settings.grayscale:
            image = image.convert("LA" if _has_alpha(image) else "L")
        return _encode(image, keep_lossless)
    except ImageRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: Pillow raises many kinds
        raise ImageRefused(f"corrupt image ({_brief(exc)})") from None


def fitted_size(width: int, height: int, settings: ProcessSettings) -> tuple[int, int]:
    """The largest size with the same shape within the side and pixel limits."""
    max_side = max(1, settings.max_side)
    max_pixels = max(1, settings.max_pixels)
    scale = min(1.0, max_side / max(width, height),
                math.sqrt(max_pixels / (width * height)))
    if scale >= 1.0:
        return width, height
    new_width = max(1, min(max_side, math.floor(width * scale)))
    new_height = max(1, min(max_side, math.floor(height * scale)))
    while new_width * new_height > max_pixels and max(new_width, new_height) > 1:
        if new_width >= new_height:
            new_width -= 1
        else:
            new_height -= 1
    return new_width, new_height


def _open(source: io.BytesIO) -> Image.Image:
    try:
        return Image.open(source, formats=INPUT_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRefused("refused: declares too many pixels (decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageRefused("not an image (or not JPEG, PNG, GIF or WebP)") from None
    except Exception as exc:  # noqa: BLE001 - see process_image
        raise ImageRefused(f"corrupt image ({_brief(exc)})") from None


def _check_header(data: bytes) -> tuple[str, int, int]:
    """Format and declared size, judged before decoding; then Pillow's verify()."""
    image = _open(io.BytesIO(data))
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRefused("corrupt image (empty size)")
    if width * height > MAX_SOURCE_PIXELS or max(width, height) > MAX_SOURCE_SIDE:
        raise ImageRefused(
            f"refused: declares {width}×{height} pixels, more than the "
            f"{MAX_SOURCE_PIXELS // 1_000_000} megapixel limit (decompression bomb?)")
    source_format = str(image.format)
    try:
        image.verify()  # PNG: every chunk checksum up to IEND; others: little
    except Exception as exc:  # noqa: BLE001 - see process_image
        raise ImageRefused(f"corrupt image ({_brief(exc)})") from None
    return source_format, width, height


def _decode_first_frame(data: bytes, target: tuple[int, int]) -> Image.Image:
    source = _EndWatch(data)
    image = _open(source)  # a fresh open: verify() leaves the image unusable
    if image.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the result is still at
        # least the target size: much less work for big photos, same bytes every run.
        image.draft(None, target)
    source.ran_out = False
    image.load()  # animations: only the first frame is decoded
    if source.ran_out:
        raise ImageRefused("corrupt image (truncated: the data ends before the picture)")
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert from an embedded colour profile to sRGB; without one, assume sRGB."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        from PIL import ImageCms

        return ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except Exception:  # noqa: BLE001 - a broken profile: keep the colours as they are
        return image


def _normal_mode(image: Image.Image) -> Image.Image:
    """One of L, LA, RGB, RGBA; an alpha channel that is opaque everywhere is dropped."""
    transparent = "transparency" in image.info
    if image.mode in ("L", "1", "I", "I;16", "F"):
        image = image.convert("LA" if transparent else "L")
    elif image.mode in ("P", "RGB"):
        image = image.convert("RGBA" if transparent else "RGB")
    elif image.mode in ("LA", "La"):
        image = image.convert("LA")
    elif image.mode != "RGB":
        image = image.convert("RGBA" if "A" in image.mode or "a" in image.mode else "RGB")
    if image.mode in ("LA", "RGBA") and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("L" if image.mode == "LA" else "RGB")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("LA", "RGBA")


def _encode(image: Image.Image, lossless: bool) -> ProcessedImage:
    # Nothing from the source travels on: no EXIF, ICC profile, text chunks or dpi.
    image.info = {}
    buffer = io.BytesIO()
    if lossless:
        image.save(buffer, "PNG", optimize=True)
        media_type = "image/png"
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
        media_type = "image/jpeg"
    return ProcessedImage(buffer.getvalue(), media_type, image.width, image.height)


def _brief(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:100] or type(exc).__name__
