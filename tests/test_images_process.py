"""Processing downloaded bytes with Pillow: checks, box, formats, metadata, determinism."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile

from bookmaker.images.process import (MAX_SOURCE_PIXELS, ImageRefused, ProcessSettings,
                                      fitted_size, process_image)
from imageserver import sample

DEFAULT = ProcessSettings()


def processed(path: str, settings: ProcessSettings = DEFAULT):
    result = process_image(sample(path), settings)
    image = Image.open(io.BytesIO(result.data))
    return result, image


@pytest.mark.parametrize("path, media_type, fmt, size", [
    ("/photo.jpg", "image/jpeg", "JPEG", (1200, 800)),
    ("/big.jpg", "image/jpeg", "JPEG", (1600, 1066)),
    ("/square.jpg", "image/jpeg", "JPEG", (1414, 1414)),
    ("/gray.jpg", "image/jpeg", "JPEG", (500, 300)),
    ("/photo.png", "image/jpeg", "JPEG", (640, 480)),
    ("/alpha.png", "image/png", "PNG", (640, 480)),
    ("/chart.png", "image/png", "PNG", (800, 500)),
    ("/anim.gif", "image/png", "PNG", (320, 240)),
    ("/photo.webp", "image/jpeg", "JPEG", (640, 480)),
    ("/anim.webp", "image/jpeg", "JPEG", (320, 240)),
])
def test_formats_and_sizes(path, media_type, fmt, size):
    result, image = processed(path)
    assert (result.media_type, image.format, image.size) == (media_type, fmt, size)
    assert (result.width, result.height) == size
    assert image.width <= DEFAULT.max_side and image.height <= DEFAULT.max_side
    assert image.width * image.height <= DEFAULT.max_pixels
    assert getattr(image, "n_frames", 1) == 1


def test_transparency_survives_as_png_alpha():
    _, image = processed("/alpha.png")
    assert image.mode == "RGBA"
    assert image.getchannel("A").getextrema()[0] < 50


def test_exif_orientation_applied_and_metadata_stripped():
    source = Image.open(io.BytesIO(sample("/rotated.jpg")))
    assert source.size == (600, 400) and source.getexif() and source.info.get("icc_profile")
    _, image = processed("/rotated.jpg")
    assert image.size == (400, 600)
    assert not image.getexif()
    assert "icc_profile" not in image.info and "exif" not in image.info


@pytest.mark.parametrize("settings, box", [
    (ProcessSettings(max_side=500), (500, 333)),
    (ProcessSettings(max_pixels=100_000), (387, 258)),
])
def test_configurable_box(settings, box):
    result, image = processed("/photo.jpg", settings)
    assert image.size == box
    assert max(box) <= settings.max_side and box[0] * box[1] <= settings.max_pixels


def test_fitted_size_respects_both_limits():
    for width, height in [(1, 30000), (30000, 1), (4000, 3000), (1601, 1601), (1999, 1001)]:
        w, h = fitted_size(width, height, DEFAULT)
        assert 1 <= w <= 1600 and 1 <= h <= 1600 and w * h <= 2_000_000
    assert fitted_size(800, 600, DEFAULT) == (800, 600)


@pytest.mark.parametrize("path, mode", [("/photo.jpg", "L"), ("/alpha.png", "LA"),
                                        ("/anim.gif", "L")])
def test_grayscale(path, mode):
    _, image = processed(path, ProcessSettings(grayscale=True))
    assert image.mode == mode


def test_output_bytes_are_deterministic():
    for path in ("/photo.jpg", "/alpha.png", "/anim.gif", "/anim.webp", "/big.jpg"):
        first = process_image(sample(path), DEFAULT).data
        assert process_image(bytes(sample(path)), DEFAULT).data == first


def test_png_output_has_no_text_or_time_chunks():
    data = process_image(sample("/alpha.png"), DEFAULT).data
    for chunk in (b"tIME", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"pHYs"):
        assert chunk not in data


@pytest.mark.parametrize("path, reason", [
    ("/bomb.png", "too many pixels"),
    ("/huge.png", "9000×9000"),
    ("/corrupt.png", "corrupt image"),
    ("/garbage.jpg", "not an image"),
    ("/page.html", "not an image"),
    ("/truncated.jpg", "truncated"),
    ("/truncated.png", "runcated"),
    ("/truncated.gif", "truncated"),
])
def test_refused(path, reason):
    with pytest.raises(ImageRefused, match=reason):
        process_image(sample(path), DEFAULT)


def test_huge_is_refused_by_our_limit_not_pillows():
    # 81 MP is below Pillow's own thresholds, so only bookmaker's limit stops it.
    assert 9000 * 9000 > MAX_SOURCE_PIXELS
    assert Image.MAX_IMAGE_PIXELS is None or 9000 * 9000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageRefused, match="megapixel limit"):
        process_image(sample("/huge.png"), DEFAULT)


def test_bomb_refused_even_without_pillows_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(ImageRefused, match="30000×30000"):
        process_image(sample("/bomb.png"), DEFAULT)


def test_unsupported_formats_are_refused():
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, "TIFF")
    with pytest.raises(ImageRefused, match="not an image"):
        process_image(tiff.getvalue(), DEFAULT)


@pytest.mark.parametrize("path", ["/truncated.jpg", "/truncated.png", "/truncated.gif"])
def test_truncated_refused_after_weasyprint_import(path):
    import weasyprint  # noqa: F401 - its import turns LOAD_TRUNCATED_IMAGES on

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(ImageRefused, match="runcated"):
        process_image(sample(path), DEFAULT)
    # The complete images still pass under the same flag.
    process_image(sample(path.replace("truncated", "photo" if "gif" not in path else "anim")),
                  DEFAULT)


@pytest.mark.parametrize("flag", [False, True])
def test_varied_valid_images_are_accepted(monkeypatch, flag):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", flag)
    base = Image.open(io.BytesIO(sample("/photo.jpg"))).convert("RGB").resize((300, 200))
    variants = {
        "progressive": ("JPEG", base, {"progressive": True}),
        "cmyk": ("JPEG", base.convert("CMYK"), {}),
        "interlaced-png": ("PNG", base, {"interlace": 1}),
        "palette-transparent": ("PNG", base.convert("P"), {"transparency": 0}),
        "16-bit": ("PNG", base.convert("I;16"), {}),
        "one-bit": ("PNG", base.convert("1"), {}),
        "lossless-webp": ("WEBP", base, {"lossless": True}),
        "still-gif": ("GIF", base.convert("P"), {}),
    }
    for name, (fmt, image, options) in variants.items():
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        result = process_image(buffer.getvalue(), DEFAULT)
        assert (result.width, result.height) == (300, 200), name
    # Bytes after the end of a JPEG do not make it "truncated".
    result = process_image(sample("/photo.jpg") + b"\0" * 100, DEFAULT)
    assert result.width == 1200
