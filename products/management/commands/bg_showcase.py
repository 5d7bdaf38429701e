"""The README pictures, generated from the demo photos (``make readme-images``):

    manage.py bg_showcase --out docs/images

writes ``themes.jpg`` (one demo product across every shipped preset) and
``before_after.jpg`` (demo photos before, and after on a theme). Needs no database.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from konigle_bg import services
from konigle_bg.imaging import compose, pipeline
from products import showcase

# (shape, colour, surface, seed, shift) in the style of products.demo_photos.SHOTS.
HERO = ("vase", (120, 150, 110), "marble", 9, 0)
PAIRS = [
    ("bottle", (190, 120, 40), "fabric", 3, 0),
    ("ball", (200, 40, 40), "wood", 6, 0),
    ("lamp", (220, 210, 190), "desk", 12, 0),
    ("vase", (120, 150, 110), "wood", 11, 90),
]
MAX_BYTES = 400 * 1024


def save_jpeg(img: Image.Image, path: Path, quality: int = 86) -> int:
    """Write an optimized progressive JPEG, lowering quality until it is under MAX_BYTES."""
    while True:
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
        if buf.tell() <= MAX_BYTES or quality <= 50:
            break
        quality -= 6
    services.write_file(str(path), buf.getvalue(), storage=_LocalStorage())
    return buf.tell()


def wrap(strip: Image.Image, tile: int, per_row: int) -> Image.Image:
    """A one-row strip of labelled tiles cut into rows of ``per_row`` tiles, so a README
    shows the tiles (and their labels) large enough to read."""
    gap = showcase.GAP
    step = tile + gap
    n = (strip.width - gap) // step
    if n <= per_row:
        return strip
    rows = -(-n // per_row)
    height = strip.height - gap  # one labelled tile row, with its top gap
    sheet = Image.new("RGB", (gap + per_row * step, gap + rows * height), showcase.PAGE)
    for i in range(n):
        r, c = divmod(i, per_row)
        cell = strip.crop((gap + i * step, gap, gap + i * step + tile, strip.height))
        sheet.paste(cell, (gap + c * step, gap + r * height))
    return sheet


class _LocalStorage:
    """write_file's view of a plain folder (atomic write, no media storage involved)."""

    def path(self, name: str) -> str:
        return name


class Command(BaseCommand):
    help = "Generate the README pictures from the demo photos."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="docs/images", help="Folder for the pictures.")
        parser.add_argument("--tile", type=int, default=240, help="Tile size in pixels.")
        parser.add_argument(
            "--per-row", type=int, default=5, help="Tiles per row of the themes picture."
        )
        parser.add_argument(
            "--pairs", type=int, default=len(PAIRS), help="Products in the before/after strip."
        )
        parser.add_argument(
            "--after-theme", default="studio", help="Preset used for the 'after' row."
        )
        parser.add_argument(
            "--photo-size",
            type=int,
            default=0,
            help="Shrink the demo photos to this longer side first (0: as rendered).",
        )

    def handle(self, *args, out, tile, per_row, pairs, after_theme, photo_size, **opts):
        from products import demo_photos

        if not 64 <= tile <= 1024:
            raise CommandError("--tile must be between 64 and 1024.")
        if per_row < 1:
            raise CommandError("--per-row must be at least 1.")
        if not 1 <= pairs <= len(PAIRS):
            raise CommandError(f"--pairs must be between 1 and {len(PAIRS)}.")
        try:
            after = compose.theme_from_arg(after_theme)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        seg = services.segmenter()

        def photo(spec) -> Image.Image:
            img = demo_photos.render(*spec)
            if photo_size:
                img.thumbnail((photo_size, photo_size), Image.LANCZOS)
            return img

        def cut(img: Image.Image) -> Image.Image:
            return pipeline.cutout(img, seg).rgba()

        hero = photo(HERO)
        themes = [(p.label.split(" (")[0], p) for p in compose.PRESETS.values()]
        strip = wrap(showcase.theme_strip(cut(hero), hero, themes, tile=tile), tile, per_row)
        n = save_jpeg(strip, out_dir / "themes.jpg")
        self.stdout.write(f"{out_dir / 'themes.jpg'}  {strip.width}x{strip.height}, {n} bytes")

        befores = [photo(spec) for spec in PAIRS[:pairs]]
        rows = [(img, compose.render(cut(img), after)) for img in befores]
        sheet = showcase.before_after_strip(rows, tile=tile)
        n = save_jpeg(sheet, out_dir / "before_after.jpg")
        self.stdout.write(
            f"{out_dir / 'before_after.jpg'}  {sheet.width}x{sheet.height}, {n} bytes"
        )
