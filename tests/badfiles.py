"""Every bad or odd input file we know of, built in memory, with the answer we expect.

Reused by the io tests and by the admin/API/CLI tests::

    from tests.badfiles import CASES
    for case in CASES:
        data = case.make()            # bytes, deterministic
        case.expect                   # "ok" or the ImageRejected.code, under default Limits()

Cases marked ``slow`` take a second or more to build (they are cached after the first call).
``verify`` (optional) checks the decoded image of an "ok" case: pixels, orientation, colours.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms

# Colours used by the verifiers; far apart so JPEG noise never confuses them.
RED = (220, 20, 20)
GREEN = (20, 200, 20)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class BadFile:
    name: str
    filename: str
    make: Callable[[], bytes]
    expect: str  # "ok" or the expected ImageRejected.code
    verify: Callable[[Image.Image], None] | None = None
    slow: bool = False


# --------------------------------------------------------------------------------------------
# Small builders


def save(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 0) -> Image.Image:
    """Incompressible pixels, so that truncating the file cuts real image data."""
    bands = len(mode)
    arr = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], bands), np.uint8)
    return Image.fromarray(arr[..., 0] if bands == 1 else arr, mode)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(
    width: int, height: int, bit_depth: int, colour_type: int, rows: bytes, extra: bytes = b""
) -> bytes:
    """A PNG written by hand (IHDR with a correct CRC), for layouts Pillow won't save."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + extra
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def patch_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the dimensions in a JPEG's SOF marker (header lies, data stays small)."""
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return data[: i + 5] + struct.pack(">HH", height, width) + data[i + 9 :]
        i += 2 + length
    raise ValueError("no SOF marker")


def _rgb_close(px, ref, tol: int = 40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(px[:3], ref, strict=True))


def _expect_colour(ref, mode: str = "RGB", size: tuple[int, int] | None = None, tol: int = 40):
    def check(im: Image.Image) -> None:
        assert im.mode == mode, im.mode
        if size is not None:
            assert im.size == size, im.size
        px = im.getpixel((im.width // 2, im.height // 2))
        assert _rgb_close(px, ref, tol), (px, ref)

    return check


# --------------------------------------------------------------------------------------------
# Cases: refusals


def _truncated_jpeg() -> bytes:
    data = save(noise((256, 256)), "JPEG", quality=90)
    return data[: len(data) * 6 // 10]


def _truncated_png() -> bytes:
    data = save(noise((128, 128)), "PNG")
    return data[: len(data) * 6 // 10]


def _truncated_gif() -> bytes:
    data = save(noise((128, 128), "L"), "GIF")
    return data[: len(data) // 2]


def _png_bomb() -> bytes:
    # 30000 x 30000 RGB claimed, a few bytes of IDAT: decoding would need 2.7 GB.
    return raw_png(30000, 30000, 8, 2, b"\x00" * 64)


def _gif_bomb() -> bytes:
    small = save(Image.new("P", (4, 4)), "GIF")
    return small[:6] + struct.pack("<HH", 65535, 65535) + small[10:]


def _jpeg_20000() -> bytes:
    return patch_jpeg_size(save(Image.new("RGB", (16, 16), RED), "JPEG"), 20000, 20000)


@lru_cache(maxsize=1)
def jpeg_12000x9000() -> bytes:
    """A real 108-megapixel JPEG (flat colour, a corner marker): about 1.7 MB, ~1.5 s."""
    im = Image.new("RGB", (12000, 9000), WHITE)
    im.paste(RED, (0, 0, 3000, 2250))
    return save(im, "JPEG", quality=50)


def _heic() -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return ftyp + struct.pack(">I", 16) + b"meta" + b"\x00" * 8


def _avif() -> bytes:
    return struct.pack(">I", 20) + b"ftypavif" + b"\x00\x00\x00\x00" + b"avif" + b"\x00" * 16


def _avif_mif1() -> bytes:
    # Major brand mif1 (shared with HEIF); only the compatible brands say AVIF.
    return struct.pack(">I", 28) + b"ftypmif1" + bytes(4) + b"mif1avifmiaf" + bytes(16)


def _heic_mif1() -> bytes:
    return struct.pack(">I", 24) + b"ftypmif1" + bytes(4) + b"mif1heic" + bytes(16)


def _over_byte_limit() -> bytes:
    # A JPEG signature then padding: refused on size alone, before any parsing.
    return b"\xff\xd8\xff\xe0" + bytes(40 * 1024 * 1024)


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<rect width="100" height="100" fill="red"/></svg>\n'
    )


def _bad_crc_png() -> bytes:
    data = bytearray(save(noise((16, 16)), "PNG"))
    data[29] ^= 0xFF  # last byte of IHDR's CRC
    return bytes(data)


def _zero_width_png() -> bytes:
    return raw_png(0, 10, 8, 2, b"")


# --------------------------------------------------------------------------------------------
# Cases: odd but valid


def _cmyk_jpeg() -> bytes:
    return save(Image.new("CMYK", (64, 48), (0, 230, 230, 30)), "JPEG", quality=95)


def _cmyk_tiff() -> bytes:
    return save(Image.new("CMYK", (64, 48), (0, 230, 230, 30)), "TIFF")


def _png16_grey() -> bytes:
    rows = b"".join(b"\x00" + struct.pack(">H", 0x8080) * 32 for _ in range(24))
    return raw_png(32, 24, 16, 0, rows)


def _png16_rgb() -> bytes:
    px = struct.pack(">HHH", 0xDCDC, 0x1414, 0x1414)  # RED at 16 bits
    rows = b"".join(b"\x00" + px * 32 for _ in range(24))
    return raw_png(32, 24, 16, 2, rows)


def _png16_rgba() -> bytes:
    px = struct.pack(">HHHH", 0xDCDC, 0x1414, 0x1414, 0x8080)
    rows = b"".join(b"\x00" + px * 32 for _ in range(24))
    return raw_png(32, 24, 16, 6, rows)


def _check_rgba_half_alpha(ref):
    def check(im: Image.Image) -> None:
        assert im.mode == "RGBA", im.mode
        px = im.getpixel((im.width // 2, im.height // 2))
        assert _rgb_close(px, ref) and abs(px[3] - 128) <= 2, px

    return check


def _grey_alpha_png() -> bytes:
    im = Image.new("LA", (32, 24), (200, 255))
    im.paste((200, 0), (0, 0, 16, 24))
    return save(im, "PNG")


def _check_grey_alpha(im: Image.Image) -> None:
    assert im.mode == "RGBA", im.mode
    assert im.getpixel((4, 4))[3] == 0
    assert im.getpixel((24, 4)) == (200, 200, 200, 255)


def _palette_png_trns() -> bytes:
    im = Image.new("P", (32, 24), 1)
    im.putpalette([0, 0, 0, *RED] + [0] * 762)
    im.paste(0, (0, 0, 16, 24))
    return save(im, "PNG", transparency=0)


def _check_palette_trns(im: Image.Image) -> None:
    assert im.mode == "RGBA", im.mode
    assert im.getpixel((4, 4))[3] == 0
    assert im.getpixel((24, 4)) == (*RED, 255)


def _opaque_rgba_png() -> bytes:
    return save(Image.new("RGBA", (32, 24), (*RED, 255)), "PNG")


def _frames(fmt: str, **params) -> bytes:
    frames = [Image.new("RGB", (32, 24), c) for c in (RED, GREEN, GREEN)]
    return save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, **params)


def _check_first_frame(im: Image.Image) -> None:
    assert im.mode == "RGB", im.mode
    assert _rgb_close(im.getpixel((16, 12)), RED, tol=12), im.getpixel((16, 12))


# EXIF orientations: the picture as it should be SEEN is 60 x 40 with a red block in the top-left
# corner. Below is where that block sits in the STORED pixels for each orientation, read from
# the EXIF specification (not from any transpose table), and the stored size.
_STORED_CORNER = {
    1: ("top-left", False),
    2: ("top-right", False),
    3: ("bottom-right", False),
    4: ("bottom-left", False),
    5: ("top-left", True),  # transposed: stored 40 x 60
    6: ("bottom-left", True),  # stored rotated 90 degrees counter-clockwise
    7: ("bottom-right", True),
    8: ("top-right", True),  # stored rotated 90 degrees clockwise
}


def stored_for(orientation: int) -> Image.Image:
    """The stored pixels of a picture that EXIF ``orientation`` turns into the seen one."""
    corner, swapped = _STORED_CORNER[orientation]
    w, h = (40, 60) if swapped else (60, 40)
    mw, mh = (10, 15) if swapped else (15, 10)
    x = 0 if corner.endswith("left") else w - mw
    y = 0 if corner.startswith("top") else h - mh
    im = Image.new("RGB", (w, h), WHITE)
    im.paste(RED, (x, y, x + mw, y + mh))
    return im


def oriented(orientation: int, fmt: str = "JPEG", tag_value: int | None = None) -> bytes:
    """``stored_for(orientation)`` saved as ``fmt`` with the orientation tag (or ``tag_value``)."""
    value = orientation if tag_value is None else tag_value
    if fmt == "TIFF":  # TIFF keeps orientation as a tag of its own IFD
        return save(stored_for(orientation), "TIFF", tiffinfo={0x0112: value})
    exif = Image.Exif()
    exif[0x0112] = value
    params = {"lossless": True} if fmt == "WEBP" else {"quality": 95} if fmt == "JPEG" else {}
    return save(stored_for(orientation), fmt, exif=exif.tobytes(), **params)


def oriented_jpeg(orientation: int) -> bytes:
    return oriented(orientation, "JPEG")


def check_upright(im: Image.Image) -> None:
    """The seen picture: 60 x 40, red top-left block, white elsewhere."""
    assert im.size == (60, 40), im.size
    assert _rgb_close(im.getpixel((3, 3)), RED), ("top-left", im.getpixel((3, 3)))
    for xy in ((56, 3), (3, 36), (56, 36), (30, 20)):
        assert _rgb_close(im.getpixel(xy), WHITE), (xy, im.getpixel(xy))


def swapped_primaries_icc() -> bytes:
    """Pillow's sRGB profile with the red and blue primaries swapped: a valid RGB profile in
    which (220, 20, 20) means a blue. Converting to sRGB must turn red pixels blue."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", data[128:132])[0]
    where = {}
    for i in range(count):
        at = 132 + 12 * i
        where[bytes(data[at : at + 4])] = at
    r, b = where[b"rXYZ"], where[b"bXYZ"]
    data[r + 4 : r + 12], data[b + 4 : b + 12] = data[b + 4 : b + 12], data[r + 4 : r + 12]
    data[84:100] = bytes(16)  # profile ID no longer matches: zero means "not computed"
    return bytes(data)


def _icc_jpeg() -> bytes:
    return save(
        Image.new("RGB", (32, 24), RED), "JPEG", quality=95, icc_profile=swapped_primaries_icc()
    )


def _icc_rgba_png() -> bytes:
    im = Image.new("RGBA", (32, 24), (*RED, 128))
    return save(im, "PNG", icc_profile=swapped_primaries_icc())


def _check_blue(mode: str):
    def check(im: Image.Image) -> None:
        assert im.mode == mode, im.mode
        px = im.getpixel((16, 12))
        assert px[2] > 150 and px[0] < 90, px  # was stored as red
        if mode == "RGBA":
            assert abs(px[3] - 128) <= 1, px

    return check


def _srgb_icc_jpeg() -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return save(Image.new("RGB", (32, 24), RED), "JPEG", quality=95, icc_profile=icc)


def _broken_icc_jpeg() -> bytes:
    return save(Image.new("RGB", (32, 24), RED), "JPEG", quality=95, icc_profile=b"\x00" * 200)


def _cmyk_icc_on_rgb() -> bytes:
    # A profile whose colour space does not match the pixels is ignored, as browsers do.
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    return save(Image.new("RGB", (32, 24), RED), "JPEG", quality=95, icc_profile=lab)


def _text_chunk_bomb(kind: bytes) -> bytes:
    # 5 kB on disk, 5 MB inflated: over Pillow's 1 MB text/ICC chunk cap, so the file is refused.
    prefix = b"Comment\x00\x00" if kind == b"zTXt" else b"icc\x00\x00"
    body = prefix + zlib.compress(b"\x00" * 5_000_000, 9)
    return raw_png(8, 1, 8, 2, b"\x00" * 25, png_chunk(kind, body))


def patch_tiff_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite ImageWidth/ImageLength in a little-endian TIFF's first IFD."""
    out = bytearray(data)
    assert out[:4] == b"II*\x00"
    ifd = struct.unpack("<I", out[4:8])[0]
    for i in range(struct.unpack("<H", out[ifd : ifd + 2])[0]):
        at = ifd + 2 + 12 * i
        tag, kind = struct.unpack("<HH", out[at : at + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            out[at + 8 : at + 12] = packed
    return bytes(out)


def jpeg_scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each SOS segment with its entropy-coded data in a JPEG."""
    found, i = [], 2
    while i < len(data) and data[i + 1] != 0xD9:
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if data[i + 1] != 0xDA:
            i += 2 + length
            continue
        j = i + 2 + length
        while data[j] != 0xFF or data[j + 1] == 0 or 0xD0 <= data[j + 1] <= 0xD7:
            j += 1
        found.append((i, j))
        i = j
    return found


def _scan_flood() -> bytes:
    # An empty refinement scan is ~12 bytes; thousands of them make libjpeg re-walk the image
    # thousands of times (a 40 MB file of them would take hours).
    data = save(noise((64, 64)), "JPEG", quality=90, progressive=True)
    start, end = min(jpeg_scans(data), key=lambda s: s[1] - s[0])
    return data[:end] + data[start:end] * 3000 + data[end:]


def _tiff_bomb() -> bytes:
    return patch_tiff_size(save(Image.new("RGB", (8, 8), RED), "TIFF"), 60000, 60000)


def _bmp_bomb() -> bytes:
    data = bytearray(save(Image.new("RGB", (8, 8), RED), "BMP"))
    data[18:26] = struct.pack("<ii", 50000, 50000)
    return bytes(data)


def _mpo() -> bytes:
    first, second = Image.new("RGB", (32, 24), RED), Image.new("RGB", (32, 24), GREEN)
    return save(first, "MPO", save_all=True, append_images=[second])


def _check_wide(im: Image.Image) -> None:
    assert im.mode == "RGB" and im.size == (20000, 1), (im.mode, im.size)


# --------------------------------------------------------------------------------------------


CASES: list[BadFile] = [
    # refused
    BadFile("empty file", "empty.jpg", lambda: b"", "empty"),
    BadFile("truncated JPEG", "truncated.jpg", _truncated_jpeg, "truncated"),
    BadFile("truncated PNG", "truncated.png", _truncated_png, "truncated"),
    BadFile("truncated GIF", "truncated.gif", _truncated_gif, "truncated"),
    BadFile("JPEG header only", "stub.jpg", lambda: b"\xff\xd8\xff", "corrupt"),
    BadFile(
        "HTML named .jpg",
        "photo.jpg",
        lambda: b"<!DOCTYPE html>\n<html><body><h1>Not Found</h1></body></html>\n",
        "not_an_image",
    ),
    BadFile(
        "shell script named .jpg",
        "photo.jpg",
        lambda: b"#!/bin/sh\necho pwned\n",
        "not_an_image",
    ),
    BadFile(
        "script tag named .png",
        "photo.png",
        lambda: b"<script>alert(document.cookie)</script>",
        "not_an_image",
    ),
    BadFile("plain text", "notes.jpg", lambda: b"just some words, not a picture\n", "not_an_image"),
    BadFile("random bytes", "random.jpg", lambda: bytes(range(256)) * 8, "not_an_image"),
    BadFile("SVG", "logo.svg", _svg, "unsupported_format"),
    BadFile("PDF", "catalogue.pdf", _pdf, "unsupported_format"),
    BadFile("HEIC", "IMG_0001.HEIC", _heic, "unsupported_format"),
    BadFile("AVIF", "photo.avif", _avif, "unsupported_format"),
    BadFile("AVIF with major brand mif1", "photo2.avif", _avif_mif1, "unsupported_format"),
    BadFile("HEIC with major brand mif1", "IMG_0002.HEIC", _heic_mif1, "unsupported_format"),
    BadFile(
        "MP4 video",
        "clip.jpg",
        lambda: struct.pack(">I", 20) + b"ftypisom" + bytes(12),
        "not_an_image",
    ),
    BadFile(
        "Photoshop PSD", "layers.psd", lambda: b"8BPS\x00\x01" + bytes(32), "unsupported_format"
    ),
    BadFile("PNG bomb 30000x30000", "bomb.png", _png_bomb, "too_many_pixels"),
    BadFile("GIF bomb 65535x65535", "bomb.gif", _gif_bomb, "too_many_pixels"),
    BadFile("JPEG header 20000x20000", "huge.jpg", _jpeg_20000, "too_many_pixels"),
    BadFile(
        "real JPEG 12000x9000 (108 MP > 80 MP limit)",
        "big.jpg",
        jpeg_12000x9000,
        "too_many_pixels",
        slow=True,
    ),
    BadFile("JPEG flooded with 3000 progressive scans", "scans.jpg", _scan_flood, "too_complex"),
    BadFile(
        "progressive JPEG",
        "progressive.jpg",
        lambda: save(Image.new("RGB", (32, 24), RED), "JPEG", progressive=True),
        "ok",
        _expect_colour(RED),
    ),
    BadFile("TIFF header 60000x60000", "huge.tif", _tiff_bomb, "too_many_pixels"),
    BadFile("BMP header 50000x50000", "huge.bmp", _bmp_bomb, "too_many_pixels"),
    BadFile(
        "PNG zTXt decompression bomb", "ztxt.png", lambda: _text_chunk_bomb(b"zTXt"), "corrupt"
    ),
    BadFile(
        "PNG iCCP decompression bomb", "iccp.png", lambda: _text_chunk_bomb(b"iCCP"), "corrupt"
    ),
    BadFile("PNG with a bad CRC", "crc.png", _bad_crc_png, "corrupt"),
    BadFile("PNG with zero width", "zero.png", _zero_width_png, "corrupt"),
    BadFile("file over 40 MB", "huge.jpg", _over_byte_limit, "too_large"),
    # odd but fine
    BadFile("CMYK JPEG", "cmyk.jpg", _cmyk_jpeg, "ok", _expect_colour(RED, size=(64, 48))),
    BadFile("CMYK TIFF", "cmyk.tif", _cmyk_tiff, "ok", _expect_colour(RED, size=(64, 48))),
    BadFile("16-bit grey PNG", "grey16.png", _png16_grey, "ok", _expect_colour((128, 128, 128))),
    BadFile("16-bit RGB PNG", "rgb16.png", _png16_rgb, "ok", _expect_colour(RED)),
    BadFile("16-bit RGBA PNG", "rgba16.png", _png16_rgba, "ok", _check_rgba_half_alpha(RED)),
    BadFile("grey+alpha PNG", "la.png", _grey_alpha_png, "ok", _check_grey_alpha),
    BadFile(
        "palette PNG with transparency", "trns.png", _palette_png_trns, "ok", _check_palette_trns
    ),
    BadFile("opaque RGBA PNG", "opaque.png", _opaque_rgba_png, "ok", _expect_colour(RED)),
    BadFile("animated GIF", "anim.gif", lambda: _frames("GIF", loop=0), "ok", _check_first_frame),
    BadFile(
        "animated WebP",
        "anim.webp",
        lambda: _frames("WEBP", lossless=True),
        "ok",
        _check_first_frame,
    ),
    BadFile(
        "BMP",
        "photo.bmp",
        lambda: save(Image.new("RGB", (32, 24), RED), "BMP"),
        "ok",
        _expect_colour(RED),
    ),
    BadFile(
        "1-bit TIFF",
        "bw.tif",
        lambda: save(Image.new("1", (32, 24), 1), "TIFF"),
        "ok",
        _expect_colour(WHITE),
    ),
    BadFile(
        "JPEG with trailing junk",
        "junk.jpg",
        lambda: save(Image.new("RGB", (32, 24), RED), "JPEG") + b"GARBAGE" * 10,
        "ok",
        _expect_colour(RED),
    ),
    *(
        BadFile(
            f"EXIF orientation {o}",
            f"orient{o}.jpg",
            (lambda o=o: oriented_jpeg(o)),
            "ok",
            check_upright,
        )
        for o in range(1, 9)
    ),
    BadFile(
        "WebP with EXIF orientation 6",
        "orient6.webp",
        lambda: oriented(6, "WEBP"),
        "ok",
        check_upright,
    ),
    BadFile(
        "PNG with eXIf orientation 3",
        "orient3.png",
        lambda: oriented(3, "PNG"),
        "ok",
        check_upright,
    ),
    BadFile(
        "TIFF with orientation 8", "orient8.tif", lambda: oriented(8, "TIFF"), "ok", check_upright
    ),
    BadFile(
        "JPEG with invalid orientation 9",
        "orient9.jpg",
        lambda: oriented(1, tag_value=9),
        "ok",
        check_upright,
    ),
    BadFile("multi-picture JPEG (MPO)", "phone.jpg", _mpo, "ok", _expect_colour(RED)),
    BadFile("animated PNG (APNG)", "anim.png", lambda: _frames("PNG"), "ok", _check_first_frame),
    BadFile(
        "LAB TIFF",
        "lab.tif",
        lambda: save(Image.new("LAB", (8, 8), (255, 128, 128)), "TIFF"),
        "ok",
        _expect_colour((255, 255, 255), tol=60),
    ),
    BadFile(
        "20000 x 1 strip",
        "strip.png",
        lambda: save(Image.new("RGB", (20000, 1), RED), "PNG"),
        "ok",
        _check_wide,
    ),
    BadFile(
        "1 x 1 pixel",
        "dot.gif",
        lambda: save(Image.new("P", (1, 1)), "GIF"),
        "ok",
        _expect_colour((0, 0, 0)),
    ),
    BadFile("JPEG with a non-sRGB ICC profile", "wide.jpg", _icc_jpeg, "ok", _check_blue("RGB")),
    BadFile(
        "RGBA PNG with a non-sRGB ICC profile",
        "wide.png",
        _icc_rgba_png,
        "ok",
        _check_blue("RGBA"),
    ),
    BadFile("JPEG with sRGB ICC", "srgb.jpg", _srgb_icc_jpeg, "ok", _expect_colour(RED, tol=12)),
    BadFile("JPEG with a broken ICC", "badicc.jpg", _broken_icc_jpeg, "ok", _expect_colour(RED)),
    BadFile(
        "JPEG with a LAB ICC profile (mismatched)",
        "labicc.jpg",
        _cmyk_icc_on_rgb,
        "ok",
        _expect_colour(RED),
    ),
]
