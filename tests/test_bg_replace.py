"""``bg_replace``: the pipeline in one line, without any store."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from tests.conftest import photo_bytes


def _run(*args) -> None:
    call_command("bg_replace", *[str(a) for a in args])


def test_jpeg_on_white(tmp_path):
    src = tmp_path / "ball.jpg"
    src.write_bytes(photo_bytes())
    _run(src, "--out", tmp_path / "out")
    out = Image.open(tmp_path / "out" / "ball.jpg")
    assert out.size == (480, 360)
    px = np.asarray(out.convert("RGB"), np.int16)
    assert (px[:10, :10] > 240).all()  # the textured background became white
    assert px[180, 240, 0] > 120 and px[180, 240, 2] < 100  # the red product stays


def test_png_with_alpha_to_transparent(tmp_path):
    rgba = Image.open(io.BytesIO(photo_bytes(fmt="PNG"))).convert("RGBA")
    rgba.putalpha(255)
    src = tmp_path / "a.png"
    rgba.save(src)
    _run(src, "--out", tmp_path, "--theme", "transparent")
    out = Image.open(tmp_path / "a.png")
    assert out.mode == "RGBA"
    a = np.asarray(out)[..., 3]
    assert a[5, 5] == 0 and a[180, 240] == 255


def test_exif_rotated_photo_comes_out_upright(tmp_path):
    img = Image.open(io.BytesIO(photo_bytes(size=(480, 360))))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, shown rotated 90 degrees clockwise
    src = tmp_path / "rot.jpg"
    img.save(src, exif=exif)
    _run(src, "--out", tmp_path / "o", "--theme", "#00ff00")
    out = Image.open(tmp_path / "o" / "rot.jpg")
    assert out.size == (360, 480)
    assert np.asarray(out)[2, 2, 1] > 200  # green background


def test_bad_file_gives_one_line_error_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"GIF89a garbage")
    with pytest.raises(SystemExit) as exc:
        _run(bad, "--out", tmp_path / "o")
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"bg_replace: {bad}:")


def test_unknown_theme(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="marketplace-white"):
        _run(tmp_path / "x.jpg", "--out", tmp_path, "--theme", "nope")
