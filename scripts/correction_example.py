"""Draw docs/images/corrections.png: the demo desk photo's automatic cut-out, the two clicks
that repair it (red = remove, green = add), and the corrected cut-out.

    .venv/bin/python scripts/correction_example.py [OUT]
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from konigle_bg.imaging import corrections, pipeline  # noqa: E402
from konigle_bg.imaging.segment import get_segmenter  # noqa: E402
from products.demo_photos import DESK_NOTE, DESK_TAG, desk_clutter_photo  # noqa: E402


def checker(size: tuple[int, int], cell: int = 12) -> Image.Image:
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    board = np.where(((x // cell) + (y // cell)) % 2, 205, 245).astype(np.uint8)
    return Image.fromarray(np.dstack([board] * 3), "RGB")


def over_checker(photo: np.ndarray, alpha: np.ndarray) -> Image.Image:
    a = Image.fromarray(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    out = checker(a.size)
    out.paste(Image.fromarray(photo), mask=a)
    return out


def main(out: Path) -> None:
    photo = np.asarray(Image.open(io.BytesIO(desk_clutter_photo())).convert("RGB"))
    auto = pipeline.cutout(Image.fromarray(photo), get_segmenter("u2netp")).alpha
    clicks = [
        {
            "x": (DESK_NOTE[0] + DESK_NOTE[2]) // 2,
            "y": (DESK_NOTE[1] + DESK_NOTE[3]) // 2,
            "positive": False,
        },
        {
            "x": (DESK_TAG[0] + DESK_TAG[2]) // 2,
            "y": (DESK_TAG[1] + DESK_TAG[3]) // 2,
            "positive": True,
        },
    ]
    fixed = corrections.correct(photo, auto, clicks)
    panels = [Image.fromarray(photo), over_checker(photo, auto), over_checker(photo, fixed)]
    draw = ImageDraw.Draw(panels[1])
    for c in clicks:
        colour = (18, 183, 106) if c["positive"] else (240, 68, 56)
        draw.ellipse(
            (c["x"] - 7, c["y"] - 7, c["x"] + 7, c["y"] + 7),
            fill=colour,
            outline=(255, 255, 255),
            width=2,
        )
    w, h = panels[0].size
    sheet = Image.new("RGB", (3 * w + 40, h + 36), (255, 255, 255))
    labels = ["photo", "automatic cut-out + 2 clicks", "after the 2 clicks"]
    text = ImageDraw.Draw(sheet)
    for i, (panel, label) in enumerate(zip(panels, labels, strict=True)):
        sheet.paste(panel, (10 + i * (w + 10), 28))
        text.text((10 + i * (w + 10), 8), label, fill=(30, 30, 30))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/images/corrections.png")
