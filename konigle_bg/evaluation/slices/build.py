"""Assemble the slices: each photo is a backdrop with shadows (and, in ``distractors``, desk
clutter) and one product laid over it, so its exact alpha is known; written as JPEG photos,
PNG alpha and a manifest that ``bg_eval`` reads.

Ids are ``<object>_<n>``: a procedural object is drawn once, a real object cut out of the
alphamatting set (``am``-prefixed) appears in several photos, and the split keeps each object
in one half (``runner.split_group``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..runner import MANIFEST_COLUMNS
from . import objects
from .backdrops import KINDS, backdrop, cast_shadow
from .draw import Sprite

SOURCES = ("see_through", "distractors")
#: The manifest bg_eval reads, plus what lets it group the slices (``--by kind``).
COLUMNS = (*MANIFEST_COLUMNS, "kind", "backdrop")
#: Photos per slice by default.
COUNT = 72
JPEG_QUALITY = 90

TITLES: dict[str, tuple[str, ...]] = {
    "mug": ("Stoneware Coffee Mug 350ml", "Enamel Camping Mug", "Ceramic Latte Mug"),
    "whitemug": ("Porcelain Tea Mug, White", "White Ceramic Coffee Mug"),
    "ring": ("Sterling Silver Ring with Stone", "Gold Plated Solitaire Ring"),
    "scissors": ("Stainless Steel Tailor Scissors", "Paper Craft Scissors"),
    "handbag": ("Leather Tote Bag", "Canvas Shopper Bag with Handles"),
    "meshholder": ("Mesh Pencil Holder", "Metal Mesh Desk Organiser Cup"),
    "wirebasket": ("Wire Storage Basket", "Metal Wire Fruit Basket"),
    "chair": ("Wooden Dining Chair", "Spindle Back Kitchen Chair"),
    "plant": ("Potted Fiddle Leaf Plant", "Artificial Olive Tree in Pot"),
    "keyring": ("Brass Key Ring", "Key Ring with Keys"),
    "hanger": ("Wooden Coat Hanger", "Wire Clothes Hanger"),
    "giftbox": ("Kraft Gift Box, Large", "Gift Box with Ribbon"),
    "bottle": ("Glass Water Bottle 750ml", "Stainless Steel Drink Bottle"),
    "book": ("Hardcover Notebook A5", "Linen Photo Album"),
    "bowl": ("Ceramic Serving Bowl", "Salad Bowl 24cm"),
    "set2mugs": ("Set of 2 Mugs", "Espresso Mugs, Set of 2"),
    "cupsaucer": ("Cup and Saucer", "Porcelain Tea Cup and Saucer"),
    "earbuds": ("Wireless Earbuds with Charging Case",),
    "shakers": ("Salt and Pepper Shaker Set",),
    "amGT02": ("Rattan Decorative Ball",),
    "amGT13": ("Potted Bamboo Plant",),
    "amGT01": ("Gerbera Flower Bouquet",),
}
#: Real objects (alphamatting image id -> kind) with background between their parts.
MATTED = {"GT02": "amGT02", "GT13": "amGT13"}
MULTI = ("set2mugs", "cupsaucer", "earbuds", "shakers")
CLUTTER_COLOURS = {
    "note": ((250, 235, 110), (250, 170, 200), (190, 160, 235), (160, 235, 170), (255, 190, 120)),
}


@dataclass
class Scene:
    """A photo before JPEG and what it is made of: ``photo = alpha * fg + (1 - alpha) * ground``."""

    photo: np.ndarray  # (H, W, 3) float32 0..255
    alpha: np.ndarray  # (H, W) float32 0..1, quantised to 1/255 like the stored PNG
    fg: np.ndarray  # (H, W, 3) the product's colours
    ground: np.ndarray  # (H, W, 3) backdrop with shadows and clutter
    clutter: np.ndarray  # (H, W) alpha of the clutter beside the product (not in ``alpha``)
    title: str
    kind: str
    backdrop: str


# -- helpers ------------------------------------------------------------------------------------


def _frame(rng: np.random.Generator) -> tuple[int, int]:
    long_side = int(rng.integers(900, 1601))
    aspect = float(rng.choice([1.0, 4 / 3, 3 / 2, 3 / 4]))
    if aspect >= 1:
        return long_side, int(round(long_side / aspect))
    return int(round(long_side * aspect)), long_side


def _colour(rng: np.random.Generator, ground: np.ndarray) -> tuple[float, ...]:
    """A product colour: often ordinary, sometimes white, sometimes close to the backdrop."""
    roll = rng.random()
    if roll < 0.15:
        return tuple(float(v) for v in rng.uniform(236, 252) * np.ones(3))
    if roll < 0.3:
        mean = ground.reshape(-1, 3).mean(axis=0)
        return tuple(float(v) for v in np.clip(mean + rng.uniform(-18, 18, 3), 0, 255))
    if roll < 0.45:
        return tuple(float(v) for v in rng.uniform(20, 220) * np.ones(3))
    return tuple(float(v) for v in rng.uniform(25, 235, 3))


def _fit(sprite: Sprite, max_w: float, max_h: float) -> Sprite:
    w, h = sprite.size
    k = min(1.0, max_w / w, max_h / h)
    if k >= 1.0:
        return sprite
    size = (max(1, int(w * k)), max(1, int(h * k)))
    return Sprite(
        cv2.resize(sprite.alpha, size, interpolation=cv2.INTER_AREA),
        cv2.resize(sprite.rgb, size, interpolation=cv2.INTER_AREA),
    )


def _place(layer_a: np.ndarray, layer_rgb: np.ndarray, sprite: Sprite, x: int, y: int) -> None:
    """Lay ``sprite`` over the full-frame layer at (x, y), clipped to the frame."""
    h, w = layer_a.shape
    sw, sh = sprite.size
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + sw), min(h, y + sh)
    if x1 <= x0 or y1 <= y0:
        return
    sub = Sprite(
        sprite.alpha[y0 - y : y1 - y, x0 - x : x1 - x], sprite.rgb[y0 - y : y1 - y, x0 - x : x1 - x]
    )
    under = Sprite(layer_a[y0:y1, x0:x1], layer_rgb[y0:y1, x0:x1])
    top = sub.over(under)
    layer_a[y0:y1, x0:x1] = top.alpha
    layer_rgb[y0:y1, x0:x1] = top.rgb


def _composite_onto(ground: np.ndarray, sprite: Sprite, x: int, y: int) -> None:
    a = np.zeros(ground.shape[:2], np.float32)
    rgb = np.zeros_like(ground)
    _place(a, rgb, sprite, x, y)
    ground[:] = a[..., None] * rgb + (1 - a[..., None]) * ground


def estimate_foreground(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colours of a matted photo (blur-fusion, Forte & Pitie 2021), so a real object
    composited on a new backdrop carries no trace of its old one at soft edges."""
    img = image.astype(np.float32) / 255.0
    a = alpha[..., None]
    fg, bg = img.copy(), img.copy()
    for r in (91, 7):
        ba = cv2.blur(alpha, (r, r))[..., None]
        bf = cv2.blur(fg * a, (r, r)) / (ba + 1e-5)
        bb = cv2.blur(bg * (1 - a), (r, r)) / (1 - ba + 1e-5)
        fg = np.clip(bf + a * (img - a * bf - (1 - a) * bb), 0, 1)
        bg = bb
    return fg * 255.0


def _matted(eval_dir: Path, name: str, cache: dict) -> Sprite:
    if name not in cache:
        folder = eval_dir / "alphamatting_train_lowres"
        with Image.open(folder / "image" / f"{name}.png") as im:
            img = np.asarray(im.convert("RGB"))
        with Image.open(folder / "alpha" / f"{name}.png") as im:
            alpha = np.asarray(im.convert("L"), np.float32) / 255.0
        ys, xs = np.nonzero(alpha > 0.01)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        fg = estimate_foreground(img, alpha)
        cache[name] = Sprite(alpha[y0:y1, x0:x1].copy(), fg[y0:y1, x0:x1].astype(np.float32))
    return cache[name]


def _scaled(sprite: Sprite, k: float) -> Sprite:
    w, h = sprite.size
    size = (max(1, int(round(w * k))), max(1, int(round(h * k))))
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR
    return Sprite(
        np.clip(cv2.resize(sprite.alpha, size, interpolation=interp), 0, 1),
        cv2.resize(sprite.rgb, size, interpolation=interp),
    )


def _group(parts: list[tuple[Sprite, float, float]]) -> Sprite:
    """Sprites at local offsets (x, y) on one canvas, the first at the bottom."""
    w = int(max(x + s.size[0] for s, x, _ in parts)) + 1
    h = int(max(y + s.size[1] for s, _, y in parts)) + 1
    a = np.zeros((h, w), np.float32)
    rgb = np.zeros((h, w, 3), np.float32)
    for s, x, y in parts:
        _place(a, rgb, s, int(x), int(y))
    return Sprite(a, rgb)


def _multi(rng: np.random.Generator, kind: str, s: float, colour) -> Sprite:
    """A product that is several things, as its title says."""
    if kind == "set2mugs":
        m1 = objects.mug(rng, s, colour)
        m2 = objects.mug(rng, s * rng.uniform(0.9, 1.0), colour)
        gap = s * rng.uniform(-0.1, 0.3)
        return _group([(m1, 0, 0), (m2, m1.size[0] + gap, s * 0.05)])
    if kind == "cupsaucer":
        cup = objects.mug(rng, s * 0.7, colour)
        dish = objects.saucer(rng, s * 0.3, colour)
        cx = (dish.size[0] - cup.size[0]) / 2
        return _group([(dish, 0, cup.size[1] - s * 0.2), (cup, cx, 0)])
    if kind == "earbuds":
        case = objects.earbud_case(rng, s * 0.6, colour)
        b1, b2 = objects.earbud(rng, s * 0.6, colour), objects.earbud(rng, s * 0.6, colour)
        gap = s * rng.uniform(0.08, 0.25)
        x = case.size[0] + gap
        return _group([(case, 0, s * 0.3), (b1, x, 0), (b2, x + b1.size[0] + gap, s * 0.05)])
    b1, b2 = objects.bottle(rng, s, (245, 245, 245)), objects.bottle(rng, s, (40, 40, 40))
    return _group([(b1, 0, 0), (b2, b1.size[0] + s * rng.uniform(0.05, 0.4), 0)])


def _overlaps(box, boxes) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


# -- scenes -------------------------------------------------------------------------------------


def _product(
    rng: np.random.Generator,
    source: str,
    kind: str,
    w: int,
    h: int,
    ground: np.ndarray,
    eval_dir: Path | None,
    cache: dict,
) -> Sprite:
    share = rng.uniform(0.35, 0.65) if source == "see_through" else rng.uniform(0.25, 0.45)
    s = share * min(w, h)
    if kind.startswith("am"):
        sprite = _matted(eval_dir, kind[2:], cache)  # type: ignore[arg-type]
        sprite = _scaled(sprite, s * 1.3 / max(sprite.size))
    elif kind == "whitemug":
        sprite = objects.mug(rng, s, tuple(rng.uniform(238, 250) * np.ones(3)))
    elif kind in MULTI:
        sprite = _multi(rng, kind, s, _colour(rng, ground))
    else:
        renderers = {**objects.SOLID, **objects.SEE_THROUGH}
        sprite = renderers[kind](rng, s, _colour(rng, ground))
    return _fit(sprite, 0.9 * w, 0.85 * h)


def _clutter(rng: np.random.Generator, ground: np.ndarray, taken: list, count: int) -> np.ndarray:
    """Lay ``count`` unrelated objects on ``ground`` clear of ``taken``; returns their alpha."""
    h, w = ground.shape[:2]
    layer, layer_rgb = np.zeros((h, w), np.float32), np.zeros((h, w, 3), np.float32)
    names = list(objects.CLUTTER)
    for _ in range(count):
        name = names[int(rng.integers(len(names)))]
        s = min(w, h) * rng.uniform(0.1, 0.25)
        if name in CLUTTER_COLOURS:
            palette = CLUTTER_COLOURS[name]
            colour = palette[int(rng.integers(len(palette)))]
        else:
            colour = _colour(rng, ground)
        sprite = objects.CLUTTER[name](rng, s, colour)
        if name in ("note", "pen", "cable") and rng.random() < 0.7:
            angle = rng.uniform(-40, 40)
            sprite = _rotated(sprite, angle)
        sw, sh = sprite.size
        for _try in range(60):
            x = int(rng.uniform(-0.2 * sw, w - 0.8 * sw))
            y = int(rng.uniform(-0.2 * sh, h - 0.8 * sh))
            box = (x, y, x + sw, y + sh)
            if not _overlaps(box, taken):
                cast_shadow(ground, sprite.alpha, x, y, rng, rng.uniform(0.15, 0.35))
                _composite_onto(ground, sprite, x, y)
                _place(layer, layer_rgb, sprite, x, y)
                taken.append(box)
                break
    return layer


def _rotated(sprite: Sprite, angle: float) -> Sprite:
    w, h = sprite.size
    side = int(np.ceil(np.hypot(w, h))) + 2
    pad = Sprite(np.zeros((side, side), np.float32), np.zeros((side, side, 3), np.float32))
    canvas = _group([(pad, 0, 0), (sprite, (side - w) / 2, (side - h) / 2)])
    m = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    a = cv2.warpAffine(canvas.alpha, m, (side, side), flags=cv2.INTER_LINEAR)
    rgb = cv2.warpAffine(
        canvas.rgb * canvas.alpha[..., None], m, (side, side), flags=cv2.INTER_LINEAR
    )
    rgb = rgb / np.maximum(a, 1e-6)[..., None]
    ys, xs = np.nonzero(a > 0)
    a = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    rgb = rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return Sprite(np.clip(a, 0, 1), np.clip(rgb, 0, 255))


def plan(source: str, count: int, eval_dir: Path | None) -> list[tuple[str, str]]:
    """(object id, kind) of each photo of ``source``: kinds taken in turn."""
    if source == "see_through":
        kinds = list(objects.SEE_THROUGH) + ["whitemug"]
        matted = [MATTED[k] for k in MATTED] if eval_dir is not None else []
    else:
        kinds = list(objects.SOLID) + list(MULTI)
        matted = []
    out: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    cycle = kinds + matted
    for i in range(count):
        kind = cycle[i % len(cycle)]
        n = counts[kind] = counts.get(kind, 0) + 1
        # A real object is one object in every photo; a drawn one is new each time.
        obj = kind if kind.startswith("am") else f"{kind}{n:02d}"
        out.append((obj, kind))
    return out


def render(
    source: str,
    index: int,
    kind: str,
    seed: int,
    eval_dir: Path | None = None,
    photos: list[Path] | None = None,
    cache: dict | None = None,
) -> Scene:
    """Photo ``index`` of ``source``: deterministic from (seed, source, index)."""
    rng = np.random.default_rng([seed, SOURCES.index(source), index])
    w, h = _frame(rng)
    # Clutter is judged beside a product on a desk: a photo backdrop has subjects of its own.
    kinds = [k for k in KINDS if k != "photo" or (photos and source == "see_through")]
    bd = "white" if kind == "whitemug" else kinds[int(rng.integers(len(kinds)))]
    ground = backdrop(rng, h, w, bd, photos or [])
    taken: list = []
    sprite = _product(rng, source, kind, w, h, ground, eval_dir, cache if cache is not None else {})
    sw, sh = sprite.size
    x = int(rng.uniform(0.05 * w, max(0.05 * w + 1, 0.95 * w - sw)))
    y = int(rng.uniform(max(0.05 * h, 0.55 * h - sh), max(0.05 * h + 1, 0.95 * h - sh)))
    margin = int(0.03 * min(w, h))
    taken.append((x - margin, y - margin, x + sw + margin, y + sh + margin))
    clutter = np.zeros((h, w), np.float32)
    if source == "distractors":
        clutter = _clutter(rng, ground, taken, int(rng.integers(1, 5)))
    strength = rng.uniform(0.1, 0.25) if bd == "dark" else rng.uniform(0.2, 0.45)
    cast_shadow(ground, sprite.alpha, x, y, rng, strength)
    a = np.zeros((h, w), np.float32)
    fg = np.zeros((h, w, 3), np.float32)
    _place(a, fg, sprite, x, y)
    a = np.round(np.clip(a, 0, 1) * 255.0) / 255.0  # exactly what the PNG stores
    photo = a[..., None] * fg + (1 - a[..., None]) * ground
    titles = TITLES[kind]
    title = titles[int(rng.integers(len(titles)))]
    return Scene(
        photo.astype(np.float32), a.astype(np.float32), fg, ground, clutter, title, kind, bd
    )


def build(
    out: str | Path,
    eval_dir: str | Path | None = None,
    seed: int = 0,
    count: int = COUNT,
    sources: tuple[str, ...] = SOURCES,
    progress: Callable[[str], None] | None = None,
    every: int = 12,
) -> Path:
    """Write ``count`` photos per source under ``out`` and ``out/manifest.csv``; returns it.
    Without ``eval_dir`` (or where it lacks them) no real objects or photo backdrops are used."""
    out = Path(out)
    ev = Path(eval_dir) if eval_dir is not None else None
    if ev is not None and not (ev / "alphamatting_train_lowres").is_dir():
        ev = None
    photos = sorted((ev / "ecssd" / "image").glob("*.jpg")) if ev is not None else []
    cache: dict = {}
    rows = []
    for source in sources:
        (out / source / "image").mkdir(parents=True, exist_ok=True)
        (out / source / "gt").mkdir(parents=True, exist_ok=True)
        for i, (obj, kind) in enumerate(plan(source, count, ev)):
            scene = render(source, i, kind, seed, ev, photos, cache)
            item_id = f"{obj}_{i}"
            image = f"{source}/image/{item_id}.jpg"
            gt = f"{source}/gt/{item_id}.png"
            Image.fromarray(np.clip(np.round(scene.photo), 0, 255).astype(np.uint8)).save(
                out / image, quality=JPEG_QUALITY
            )
            Image.fromarray(np.round(scene.alpha * 255).astype(np.uint8), "L").save(out / gt)
            h, w = scene.alpha.shape
            rows.append(
                {
                    "source": source,
                    "id": item_id,
                    "image": image,
                    "gt": gt,
                    "gt_type": "alpha_matte",
                    "width": w,
                    "height": h,
                    "fg_fraction": f"{float((scene.alpha > 0.5).mean()):.4f}",
                    "title": scene.title,
                    "kind": scene.kind,
                    "backdrop": scene.backdrop,
                }
            )
            if progress and ((i + 1) % every == 0 or i + 1 == count):
                progress(f"{source}: {i + 1}/{count} photos")
    manifest = out / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return manifest
