"""Draw docs/images/see_through_mug.png and docs/images/halo_espresso.png: the demo mug (wood
inside its handle) and the espresso cup on white (a light ring around the saucer), cut out
without and with see-through removal and halo tightening (issue 18).

    .venv/bin/python scripts/see_through_images.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from konigle_bg.imaging.compose import Background, Theme, render  # noqa: E402
from konigle_bg.imaging.pipeline import RefineParams, cutout_with  # noqa: E402
from konigle_bg.imaging.segment import get_segmenter  # noqa: E402
from products import demo_photos  # noqa: E402
from products.showcase import before_after_strip  # noqa: E402

BEFORE = RefineParams(see_through=False, halo=False)


def pair(photo: Image.Image, colour: str, crop: tuple[float, float, float, float]):
    """(before, after) on a ``colour`` theme, cropped to ``crop`` (shares of the photo)."""
    seg = get_segmenter("u2netp")
    theme = Theme(background=Background(color=colour))
    w, h = photo.size
    box = (int(crop[0] * w), int(crop[1] * h), int(crop[2] * w), int(crop[3] * h))
    return tuple(
        render(cutout_with(photo, seg, params=p).rgba(), theme).convert("RGB").crop(box)
        for p in (BEFORE, RefineParams())
    )


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shape, colour, shots = demo_photos.SHOTS["Stoneware Coffee Mug 350ml, Matte Blue"]
    mugs = [demo_photos.render(shape, colour, s, seed, shift) for s, seed, shift in shots]
    pairs = [pair(m, "#F3E6D8", (0.3, 0.28, 0.75, 0.8)) for m in mugs]
    before_after_strip(pairs, tile=260).save(out / "see_through_mug.png", optimize=True)
    coffee = demo_photos.skimage_photo("coffee")
    if coffee is not None:
        left = pair(coffee, "#FFFFFF", (0.0, 0.3, 0.5, 1.0))
        whole = pair(coffee, "#FFFFFF", (0.0, 0.0, 1.0, 1.0))
        before_after_strip([whole, left], tile=260).save(out / "halo_espresso.png", optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images")
