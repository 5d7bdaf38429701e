"""Photos for the browser tests, made in memory."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: Where the small product sits in ``two_subjects()`` (photo pixels).
BLUE_BOX = (318, 128, 422, 232)


def two_subjects(size=(480, 360)) -> bytes:
    """A big red ball (the salient guess) beside the small blue box that is the product."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(3)
    bg = 200 + 12 * np.sin(x / 23.0)[..., None] + rng.normal(0, 4, (h, w, 1))
    img = np.broadcast_to(bg, (h, w, 3)).astype(np.float32).copy()
    d = np.hypot(x - 150, y - 185)
    ball = np.clip(110 - d, 0, 1)[..., None]
    shade = np.clip(1.0 - 0.35 * d / 110, 0.5, 1)[..., None]
    img = img * (1 - ball) + np.array([215, 30, 30], np.float32) * shade * ball
    x0, y0, x1, y1 = 330, 140, 410, 220
    img[y0:y1, x0:x1] = (30, 60, 200)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def colour_counts(path) -> dict[str, int]:
    """Pixels that are clearly red or clearly blue in a rendered result."""
    arr = np.asarray(Image.open(path).convert("RGB")).astype(int)
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    return {
        "red": int(((r > 140) & (g < 90) & (b < 90)).sum()),
        "blue": int(((b > 140) & (r < 90) & (g < 120)).sum()),
    }
