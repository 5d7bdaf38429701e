"""Decode/encode of well-formed images: sizes, draft decoding, transparency, output formats.

Odd and hostile files live in tests/badfiles.py and are run by test_io_badfiles.py.
"""

from __future__ import annotations

import io
import pickle
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from konigle_bg.imaging.io import (
    MAX_JPEG_SCANS,
    ImageInfo,
    ImageRejected,
    Limits,
    decode,
    encode,
    probe,
    srgb_icc_bytes,
)
from tests.badfiles import (
    RED,
    WHITE,
    jpeg_12000x9000,
    jpeg_scans,
    oriented_jpeg,
    raw_png,
    save,
)


def _jpeg(size=(64, 48), colour=RED) -> bytes:
    return save(Image.new("RGB", size, colour), "JPEG", quality=95)


def test_probe_reports_format_size_mode_frames():
    assert probe(_jpeg()) == ImageInfo("JPEG", 64, 48, "RGB", 1)
    frames = [Image.new("RGB", (8, 6), c) for c in (RED, WHITE, RED)]
    gif = save(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert probe(gif) == ImageInfo("GIF", 8, 6, "P", 3)
    assert probe(save(Image.new("RGBA", (5, 7)), "WEBP")).format == "WEBP"


def test_decode_jpeg_is_rgb_with_its_colour():
    im = decode(_jpeg())
    assert im.mode == "RGB" and im.size == (64, 48)
    r, g, b = im.getpixel((10, 10))
    assert r > 190 and g < 45 and b < 45


def test_rgba_kept_only_when_transparent():
    opaque = Image.new("RGBA", (10, 10), (*RED, 255))
    assert decode(save(opaque, "PNG")).mode == "RGB"
    opaque.putpixel((3, 3), (0, 0, 0, 254))
    assert decode(save(opaque, "PNG")).mode == "RGBA"


def test_rgb_png_with_trns_colour_becomes_rgba():
    im = Image.new("RGB", (10, 10), RED)
    im.paste(WHITE, (0, 0, 5, 10))
    out = decode(save(im, "PNG", transparency=WHITE))
    assert out.mode == "RGBA"
    assert out.getpixel((1, 1))[3] == 0 and out.getpixel((8, 1)) == (*RED, 255)


def test_max_side_downscales_keeping_aspect():
    im = decode(save(Image.new("RGB", (400, 100), RED), "PNG"), max_side=100)
    assert im.size == (100, 25)
    assert decode(_jpeg((40, 30)), max_side=100).size == (40, 30)  # never upscaled
    with pytest.raises(ValueError):
        decode(_jpeg(), max_side=0)


def test_max_side_applies_after_orientation():
    im = decode(oriented_jpeg(6), max_side=30)
    assert im.size == (30, 20)  # seen as 60 x 40 landscape
    assert im.getpixel((1, 1))[0] > 180 and im.getpixel((1, 1))[1] < 80


def test_sixteen_bit_grey_keeps_its_gradient():
    # I;16 ramp 0..65535 must map onto 0..255, not be clipped to 255.
    ramp = np.linspace(0, 65535, 256, dtype=np.uint16).reshape(1, 256).repeat(4, axis=0)
    im = Image.fromarray(ramp)  # uint16 -> I;16
    out = np.asarray(decode(save(im, "PNG")).convert("L"))
    assert out[0, 0] == 0 and out[0, -1] == 255 and 120 <= out[0, 128] <= 135


def test_float_tiff_is_scaled():
    arr = np.full((4, 6), 0.5, dtype=np.float32)
    out = decode(save(Image.fromarray(arr, "F"), "TIFF"))
    assert out.mode == "RGB" and abs(out.getpixel((0, 0))[0] - 128) <= 1


def test_pixel_limit_is_ours_not_pillows():
    data = _jpeg((100, 100))
    with pytest.raises(ImageRejected) as exc:
        probe(data, Limits(max_pixels=9_999))
    assert exc.value.code == "too_many_pixels" and "100 x 100" in str(exc.value)
    assert probe(data, Limits(max_pixels=10_000)).width == 100


def test_pixel_limit_does_not_touch_pillow_global():
    before = Image.MAX_IMAGE_PIXELS
    probe(_jpeg())
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.slow
def test_huge_jpeg_is_drafted_not_fully_decoded(monkeypatch):
    """12000 x 9000 with max_side: the DCT decodes at 1/8 scale (1500 x 1125), not 108 MP."""
    data = jpeg_12000x9000()
    drafted = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    im = decode(data, Limits(max_pixels=120_000_000), max_side=1024)
    assert drafted == [(1500, 1125)]  # the only buffer ever decoded is 1.7 MP
    assert im.size == (1024, 768)
    assert im.getpixel((10, 10))[1] < 60 and im.getpixel((1000, 700)) == WHITE


def test_probe_checks_full_decodability_of_jpeg_cheaply():
    data = save(Image.effect_noise((512, 512), 64).convert("RGB"), "JPEG", quality=90)
    assert probe(data).width == 512
    with pytest.raises(ImageRejected) as exc:
        probe(data[: len(data) - 2000])
    assert exc.value.code == "truncated"


def test_rejection_is_a_value_error_and_pickles():
    err = ImageRejected("empty", "The file is empty.")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.code, str(again)) == ("empty", "The file is empty.")


def test_oversize_stream_is_not_read_whole():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buf):
            buf[:] = b"\xff" * len(buf)
            return len(buf)

    with pytest.raises(ImageRejected) as exc:
        probe(io.BufferedReader(Endless()), Limits(max_bytes=1000))
    assert exc.value.code == "too_large" and "1000" not in str(exc.value).split("(")[0]


def test_file_object_is_read_from_its_start_and_left_where_it_was():
    stream = io.BytesIO(_jpeg())
    stream.seek(100)  # e.g. a form already read the upload
    assert probe(stream).format == "JPEG"
    assert stream.tell() == 100


def test_heic_and_avif_messages_are_specific():
    from tests.badfiles import CASES

    messages = {c.name: c for c in CASES}
    for name, word in [
        ("HEIC", "HEIC"),
        ("HEIC with major brand mif1", "HEIC"),
        ("AVIF with major brand mif1", "AVIF"),
    ]:
        with pytest.raises(ImageRejected) as exc:
            probe(messages[name].make())
        assert word in str(exc.value) and "export as JPEG" in str(exc.value)


def test_missing_path_is_refused():
    with pytest.raises(ImageRejected) as exc:
        probe("/nonexistent/konigle_bg/photo.jpg")
    assert exc.value.code == "unreadable"


# -- encode ----------------------------------------------------------------------------------


def _opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_encode_writes_srgb_icc_and_no_exif(fmt):
    src = Image.new("RGB", (32, 24), RED)
    exif = Image.Exif()
    exif[0x0112] = 6
    src.info["exif"] = exif.tobytes()  # must not leak into the output
    src.info["xmp"] = b"<x:xmpmeta/>"
    im = _opened(encode(src, fmt))
    assert im.format == fmt
    assert im.info.get("icc_profile") == srgb_icc_bytes()
    assert ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
    ).startswith("sRGB")
    assert "exif" not in im.info and 0x0112 not in im.getexif()
    assert "xmp" not in im.info


def test_encode_jpeg_is_progressive_420_and_quality_matters():
    src = Image.effect_noise((64, 64), 50).convert("RGB")
    hi, lo = encode(src, "JPEG", quality=95), encode(src, "JPEG", quality=40)
    im = _opened(hi)
    assert im.info.get("progressive") == 1 or im.info.get("progression") == 1
    assert JpegImagePlugin.get_sampling(im) == 2  # 4:2:0
    assert len(lo) < len(hi)


def test_encode_keeps_alpha_in_png_and_webp():
    src = Image.new("RGBA", (16, 16), (*RED, 0))
    src.putpixel((8, 8), (*RED, 255))
    for fmt in ("PNG", "WEBP"):
        out = decode(encode(src, fmt))
        assert out.mode == "RGBA" and out.getpixel((0, 0))[3] == 0


def test_encode_png_ignores_stale_transparency_key():
    src = Image.new("RGB", (8, 8), RED)
    src.info["transparency"] = RED  # would make every pixel see-through if written as tRNS
    assert decode(encode(src, "PNG")).mode == "RGB"


def test_encode_refuses_alpha_in_jpeg_and_bad_arguments():
    with pytest.raises(ValueError, match="composite"):
        encode(Image.new("RGBA", (4, 4)), "JPEG")
    with pytest.raises(ValueError):
        encode(Image.new("RGB", (4, 4)), "GIF")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode(Image.new("RGB", (4, 4)), "JPEG", quality=0)


def test_encode_accepts_grey_as_rgb():
    out = _opened(encode(Image.new("L", (4, 4), 90), "JPEG"))
    assert out.mode == "RGB"


# -- regressions found by fuzzing -------------------------------------------------------------


def _png_with_broken_idat() -> bytes:
    rows = b"".join(b"\x00" + bytes(range(48)) for _ in range(16))
    stream = bytearray(zlib.compress(rows))
    stream[2:10] = b"\xff" * 8  # valid zlib header, garbage deflate data
    return raw_png(16, 16, 8, 2, bytes(stream))


def test_decode_refuses_broken_png_data_like_probe():
    # PNG getexif() loads the pixels; its error once passed for "no EXIF" and decode said ok.
    data = _png_with_broken_idat()
    for fn in (probe, decode):
        with pytest.raises(ImageRejected) as exc:
            fn(data)
        assert exc.value.code == "corrupt"


def test_icc_profile_with_garbage_colour_space_is_ignored():
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[16:20] = b"RG\xc2 "  # not ASCII: reading the colour space raised UnicodeDecodeError
    im = decode(save(Image.new("RGB", (8, 8), RED), "JPEG", quality=95, icc_profile=bytes(icc)))
    assert im.getpixel((4, 4))[0] > 190


def test_scan_limit_boundary():
    data = save(Image.new("RGB", (16, 16), RED), "JPEG", progressive=True)
    start, end = min(jpeg_scans(data), key=lambda s: s[1] - s[0])
    base = data.count(b"\xff\xda")

    def flooded(total: int) -> bytes:
        return data[:end] + data[start:end] * (total - base) + data[end:]

    assert decode(flooded(MAX_JPEG_SCANS)).getpixel((8, 8))[0] > 190
    with pytest.raises(ImageRejected) as exc:
        probe(flooded(MAX_JPEG_SCANS + 1))
    assert exc.value.code == "too_complex"


def test_scan_count_applies_to_jpeg_data_only():
    markers = b"\xff\xda" * (MAX_JPEG_SCANS + 1)  # trailing bytes: only counted, never decoded
    tiff_jpeg = save(Image.new("RGB", (16, 16), RED), "TIFF", compression="jpeg")
    assert probe(tiff_jpeg).format == "TIFF"
    with pytest.raises(ImageRejected) as exc:
        probe(tiff_jpeg + markers)
    assert exc.value.code == "too_complex"
    # Deflate data holds 0xFFDA by chance (about once per 64 kB): PNGs are not counted.
    assert probe(save(Image.new("RGB", (16, 16), RED), "PNG") + markers).format == "PNG"


def test_refusal_sentences_are_translated_before_their_values_are_filled_in():
    """The pure decoder marks its messages; the Django side passes each sentence's template
    through gettext, then fills in the numbers (so a translation keeps %(limit)s)."""
    with pytest.raises(ImageRejected) as info:
        probe(b"x" * 2**21, Limits(max_bytes=2**20))
    exc = info.value
    assert str(exc) == exc.message() and exc.message(lambda t: "") == ""
    marked = exc.message(lambda template: "[de] " + template)
    assert marked.startswith("[de] The file is larger than the 1 MB limit (")
    assert pickle.loads(pickle.dumps(exc)).message() == str(exc)
