"""Product-like demo photos the project renders itself (no files copied in from anywhere).

Each photo is a shaded object (mug with a handle hole, bottle, box, ball, ring, vase, lamp,
sneaker-like shoe) resting on a textured surface (wood, fabric, marble, a cluttered desk) with
a soft contact shadow, so the demo exercises real cut-out problems: holes, thin parts, texture.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

W, H = 1400, 1050


def _noise(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    small = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def wood(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    warp = _noise(rng, H, W, 120) * 40
    grain = 0.5 + 0.5 * np.sin((y + warp) / 9.0 + 3 * _noise(rng, H, W, 300))
    base = np.array([150, 105, 65], np.float32)
    img = base * (0.75 + 0.3 * grain[..., None]) + rng.normal(0, 4, (H, W, 1))
    return np.clip(img, 0, 255)


def fabric(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    weave = 0.5 + 0.25 * (np.sin(x / 2.2) + np.sin(y / 2.2))
    hue = rng.choice([[70, 90, 130], [120, 70, 80], [90, 110, 90], [180, 170, 150]])
    img = np.array(hue, np.float32) * (0.8 + 0.35 * weave[..., None])
    img *= (0.85 + 0.3 * _noise(rng, H, W, 200))[..., None]
    return np.clip(img, 0, 255)


def marble(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    t = x / 160 + y / 260 + 4 * _noise(rng, H, W, 150) + 2 * _noise(rng, H, W, 40)
    veins = np.abs(np.sin(t * np.pi)) ** 0.25
    img = 235 - 60 * (1 - veins)[..., None] * np.array([1, 1, 0.95], np.float32)
    return np.clip(img + rng.normal(0, 3, (H, W, 1)), 0, 255)


def desk(rng: np.random.Generator) -> np.ndarray:
    img = wood(rng) * 0.8
    # Clutter near the edges: papers, a notebook, a phone; muted, as on a real desk.
    for _ in range(7):
        w, h = int(rng.integers(120, 360)), int(rng.integers(40, 260))
        side = rng.integers(4)
        x0 = int(rng.integers(-80, 260)) if side == 0 else int(rng.integers(W - 380, W - 60))
        y0 = int(rng.integers(-80, H - 60))
        if side >= 2:
            x0, y0 = (
                int(rng.integers(-80, W - 60)),
                int(rng.choice([rng.integers(-80, 120), rng.integers(H - 200, H - 40)])),
            )
        grey = rng.integers(90, 230)
        colour = np.clip(grey + rng.integers(-25, 25, 3), 0, 255)
        cv2.rectangle(img, (x0, y0), (x0 + w, y0 + h), colour.tolist(), -1)
    return cv2.GaussianBlur(img, (0, 0), 1.2)


SURFACES = {"wood": wood, "fabric": fabric, "marble": marble, "desk": desk}


def _shade(mask: np.ndarray, colour, light: float = 0.45) -> np.ndarray:
    """Cylinder-like shading across the mask's width, plus a specular streak."""
    ys, xs = np.nonzero(mask > 0.5)
    x0, x1 = xs.min(), xs.max() + 1
    t = (np.arange(W, dtype=np.float32) - x0) / max(1, x1 - x0)
    lum = 0.55 + 0.6 * np.clip(np.sin(np.pi * np.clip(t, 0, 1)), 0, 1) ** 0.8
    spec = np.exp(-(((t - light) / 0.04) ** 2)) * 0.5
    rgb = (
        np.array(colour, np.float32)[None, None, :] * lum[None, :, None] + 255 * spec[None, :, None]
    )
    return np.clip(np.broadcast_to(rgb, (H, W, 3)), 0, 255)


def _mask(draw) -> np.ndarray:
    m = np.zeros((H, W), np.uint8)
    draw(m)
    return m.astype(np.float32) / 255


def mug(m):
    cv2.rectangle(m, (560, 380), (820, 760), 255, -1)
    cv2.ellipse(m, (690, 760), (130, 28), 0, 0, 180, 255, -1)
    cv2.ellipse(m, (830, 560), (95, 120), 0, -90, 90, 255, 46)  # handle with a real hole


def bottle(m):
    cv2.rectangle(m, (620, 430), (780, 800), 255, -1)
    cv2.ellipse(m, (700, 430), (80, 60), 0, 180, 360, 255, -1)
    cv2.rectangle(m, (670, 250), (730, 400), 255, -1)
    cv2.rectangle(m, (660, 220), (740, 260), 255, -1)


def box(m):
    pts = np.array([[500, 480], [760, 420], [900, 500], [900, 780], [640, 850], [500, 770]])
    cv2.fillPoly(m, [pts], 255)


def ball(m):
    cv2.circle(m, (700, 600), 210, 255, -1)


def ring(m):
    cv2.ellipse(m, (700, 640), (190, 150), 0, 0, 360, 255, 42)
    cv2.circle(m, (700, 470), 40, 255, -1)


def vase(m):
    ys = np.arange(300, 820)
    r = 70 + 90 * np.sin((ys - 300) / 520 * np.pi) ** 1.5
    pts = np.concatenate([np.stack([700 - r, ys], 1), np.stack([700 + r, ys], 1)[::-1]]).astype(
        np.int32
    )
    cv2.fillPoly(m, [pts], 255)


def lamp(m):
    cv2.fillPoly(m, [np.array([[560, 260], [840, 260], [900, 460], [500, 460]])], 255)
    cv2.rectangle(m, (690, 460), (712, 760), 255, -1)
    cv2.ellipse(m, (700, 780), (150, 30), 0, 0, 360, 255, -1)


def shoe(m):
    cv2.ellipse(m, (700, 700), (300, 90), 0, 180, 360, 255, -1)
    cv2.ellipse(m, (560, 600), (150, 160), 0, 180, 360, 255, -1)
    cv2.rectangle(m, (400, 690), (1000, 740), 255, -1)


SHAPES = {
    "mug": mug, "bottle": bottle, "box": box, "ball": ball,
    "ring": ring, "vase": vase, "lamp": lamp, "shoe": shoe,
}  # fmt: skip


def render(shape: str, colour, surface: str, seed: int, shift: int = 0) -> Image.Image:
    """One photo: ``shape`` in ``colour`` resting on ``surface``."""
    rng = np.random.default_rng(seed)
    bg = SURFACES[surface](rng)
    mask = _mask(SHAPES[shape])
    if shift:
        mask = np.roll(mask, shift, axis=1)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)  # anti-aliased edge, as a lens gives
    ys, xs = np.nonzero(mask > 0.5)
    shadow = np.zeros((H, W), np.float32)
    cv2.ellipse(
        shadow,
        (int(xs.mean()) + 25, int(ys.max())),
        (int((xs.max() - xs.min()) * 0.55), 30),
        0, 0, 360, 1.0, -1,
    )  # fmt: skip
    shadow = cv2.GaussianBlur(shadow, (0, 0), 22) * 0.55
    bg *= (1 - shadow)[..., None]
    obj = _shade(mask, colour, light=float(rng.uniform(0.3, 0.6)))
    out = bg * (1 - mask[..., None]) + obj * mask[..., None]
    out += rng.normal(0, 2.5, out.shape)  # sensor noise
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def skimage_photo(name: str) -> Image.Image | None:
    """A photograph that scikit-image ships (e.g. ``coffee``), read at run time."""
    try:
        from skimage import data
    except ImportError:
        return None
    return Image.fromarray(getattr(data, name)())


# How each demo product's photos are rendered, by title: (shape, colour, [(surface, seed,
# shift)]). The products themselves (title, published or draft) are fixtures/demo_store.json.
SHOTS = {
    'Stoneware Coffee Mug 350ml, Matte Blue': ('mug', (60, 90, 170), [('wood', 1, 0), ('marble', 2, -120)]),
    'Glass Water Bottle 750 ml - Amber': ('bottle', (190, 120, 40), [('fabric', 3, 0)]),
    'Kraft Gift Box, Large': ('box', (200, 160, 110), [('desk', 4, 0), ('marble', 5, 60)]),
    "Kids' Rubber Play Ball - Red": ('ball', (200, 40, 40), [('wood', 6, 0), ('fabric', 7, 100)]),
    '18K Gold Plated Hoop Ring': ('ring', (210, 170, 60), [('fabric', 8, 0)]),
    'Handmade Ceramic Vase, Sage Green': ('vase', (120, 150, 110), [('marble', 9, 0), ('desk', 10, -80), ('wood', 11, 90)]),
    'Nordic Table Lamp with Linen Shade': ('lamp', (220, 210, 190), [('desk', 12, 0)]),
    "Men's Running Shoes - Size 10, Black": ('shoe', (40, 40, 45), [('wood', 13, 0), ('marble', 14, 0)]),
    'Enamel Camping Mug - Forest Green': ('mug', (40, 110, 60), [('fabric', 15, 80)]),
    'Insulated Steel Bottle 1L (White)': ('bottle', (235, 235, 235), [('desk', 16, -60)]),
    'Bamboo Storage Box Set of 3': ('box', (170, 130, 80), [('fabric', 17, 0)]),
    'Leather Football, Size 5': ('ball', (120, 70, 40), [('marble', 18, 0)]),
    'Sterling Silver Band Ring': ('ring', (190, 190, 200), [('wood', 19, 0)]),
}  # fmt: skip


def photo_set(n: int, size: int) -> list[bytes]:
    """``n`` JPEG demo photos, ``size`` px on the longer side (benchmarks' workloads).

    Cycles through the catalogue's shots, with new seeds on each lap so no two are identical.
    """
    specs = [
        (shape, colour, surface, seed, shift)
        for shape, colour, photos in SHOTS.values()
        for surface, seed, shift in photos
    ]
    out = []
    for i in range(n):
        shape, colour, surface, seed, shift = specs[i % len(specs)]
        img = render(shape, colour, surface, seed + 100 * (i // len(specs)), shift)
        scale = size / max(img.size)
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
        out.append(jpeg_bytes(img, 90))
    return out


#: Where things lie in ``desk_clutter_photo()`` (x0, y0, x1, y1, photo pixels).
DESK_BOX = (170, 90, 330, 270)  # the product: a blue box
DESK_TAG = (330, 150, 372, 230)  # its tan tag, which the automatic cut-out misses
DESK_NOTE = (40, 280, 110, 335)  # a sticky note on the desk, which it keeps


def desk_clutter_photo(size=(480, 360)) -> bytes:
    """A product whose automatic cut-out needs two clicks: it keeps the yellow note lying on
    the desk beside the box and drops the box's low-contrast tag (the corrections demo)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(5)
    bg = 212 + 6 * np.sin(x / 31.0)[..., None] + rng.normal(0, 3, (h, w, 1))
    img = np.broadcast_to(bg, (h, w, 3)).astype(np.float32) * np.array([1.0, 1.0, 0.97])
    for (x0, y0, x1, y1), colour in (
        (DESK_BOX, (35, 70, 190)),
        (DESK_TAG, (196, 160, 110)),
        (DESK_NOTE, (250, 215, 40)),
    ):
        img[y0:y1, x0:x1] = colour
    return jpeg_bytes(Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), quality=92)
