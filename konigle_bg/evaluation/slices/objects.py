"""Procedural products and desk clutter, each drawn as a ``Sprite`` about ``s`` px tall.

See-through products have holes the backdrop shows through (a mug's handle, a ring, a mesh,
a chair's back, gaps between leaves); desk clutter is what a seller leaves beside a product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .draw import Mask, Sprite, bezier, shade, solid, stack

Colour = Sequence[float]
Renderer = Callable[[np.random.Generator, float, Colour], Sprite]


def _canvas(w: float, h: float) -> Mask:
    return Mask(int(np.ceil(w)), int(np.ceil(h)))


def _darker(c: Colour, k: float) -> tuple[float, float, float]:
    return tuple(float(v) * k for v in c)  # type: ignore[return-value]


def mug(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A mug seen from the side, its handle a hole; the rim shows the (not see-through) inside."""
    bw, bh = s * rng.uniform(0.62, 0.8), s
    hw = bw * rng.uniform(0.33, 0.45)
    m = 0.04 * s
    w, h = bw + hw + 2 * m, bh + 2 * m
    x0, y0 = m, m
    handle = _canvas(w, h).ring(
        (x0 + bw, y0 + bh * 0.48), hw, bh * rng.uniform(0.22, 0.3), width=0.09 * s
    )
    body = _canvas(w, h).rect(x0, y0 + 0.06 * s, x0 + bw, y0 + bh, radius=0.08 * s)
    body.ellipse((x0 + bw / 2, y0 + 0.06 * s), bw / 2, 0.06 * s)
    inside = _canvas(w, h).ellipse((x0 + bw / 2, y0 + 0.06 * s), bw / 2 - 0.03 * s, 0.045 * s)
    return stack(
        [
            solid(handle, colour, rng),
            solid(body, colour, rng, cylinder=True),
            solid(inside, _darker(colour, 0.8), rng, gloss=0.1),
        ]
    )


def ring(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A finger ring in slight perspective, with a stone on top."""
    w = s * rng.uniform(0.9, 1.1)
    m = 0.05 * s
    band = _canvas(w + 2 * m, s + 2 * m).ring(
        (m + w / 2, m + s * 0.58), w / 2, s * 0.4, width=0.1 * s, angle=rng.uniform(-8, 8)
    )
    stone = _canvas(w + 2 * m, s + 2 * m).ellipse((m + w / 2, m + s * 0.16), 0.13 * s, 0.12 * s)
    gem = tuple(rng.uniform(60, 240, 3))
    return stack([solid(band, colour, rng, gloss=0.9), solid(stone, gem, rng, gloss=1.0)])


def scissors(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """Open scissors: two finger loops and crossed blades."""
    w = s * 0.8
    mk = _canvas(w, s)
    c = (w / 2, s * 0.55)
    spread = rng.uniform(0.12, 0.22) * w
    for side in (-1, 1):
        tip = (w / 2 + side * spread, 0.03 * s)
        base = (w / 2 - side * 0.07 * w, s * 0.62)
        mk.poly([tip, (base[0] - 0.035 * w, base[1]), (base[0] + 0.035 * w, base[1])])
    blades = mk
    loops = _canvas(w, s)
    for side in (-1, 1):
        loops.ring((w / 2 + side * 0.2 * w, s * 0.8), 0.17 * w, 0.15 * s, width=0.05 * s)
        loops.line([c, (w / 2 + side * 0.12 * w, s * 0.67)], 0.05 * s)
    pivot = _canvas(w, s).ellipse(c, 0.03 * s, 0.03 * s)
    return stack(
        [
            solid(loops, colour, rng),
            solid(blades, (190, 192, 198), rng, gloss=1.0),
            solid(pivot, (120, 120, 125), rng),
        ]
    )


def handbag(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A tote: a tapered body with one or two strap loops above it."""
    w = s * rng.uniform(0.8, 1.05)
    top = s * rng.uniform(0.38, 0.5)
    body = _canvas(w, s).poly([(0.1 * w, top), (0.9 * w, top), (w, s - 1), (0, s - 1)])
    straps = _canvas(w, s)
    for dx in (0.0, 0.06 * w) if rng.random() < 0.5 else (0.0,):
        straps.ellipse(
            (w / 2 + dx, top + 0.02 * s),
            0.28 * w,
            top - 0.04 * s,
            thickness=0.035 * s,
            arc=(180, 360),
        )
    return stack([solid(straps, _darker(colour, 0.85), rng), solid(body, colour, rng)])


def mesh_holder(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A mesh pencil holder: a cylinder of small square or diamond holes between solid rims."""
    w = s * rng.uniform(0.6, 0.8)
    mk = _canvas(w, s).rect(0, 0, w, s, radius=0.02 * s)
    pitch = s * rng.uniform(0.045, 0.08)
    hole = pitch * rng.uniform(0.55, 0.75)
    diamond = rng.random() < 0.5
    y = 0.1 * s
    while y + pitch < 0.9 * s:
        x = 0.05 * w + (pitch / 2 if diamond and int(y / pitch) % 2 else 0.0)
        while x + pitch < 0.95 * w:
            cx, cy, r = x + pitch / 2, y + pitch / 2, hole / 2
            if diamond:
                mk.poly([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], on=False)
            else:
                mk.rect(cx - r, cy - r, cx + r, cy + r, on=False)
            x += pitch
        y += pitch
    return Sprite(mk.alpha(), shade(mk.alpha(), colour, rng, cylinder=True, gloss=0.3))


def wire_basket(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A wire basket: a frame, upright and level wires and two handles."""
    w = s * rng.uniform(1.1, 1.5)
    wire = s * rng.uniform(0.012, 0.025)
    top = 0.2 * s
    mk = _canvas(w, s)
    mk.line(
        [
            (0.02 * w, top),
            (0.98 * w, top),
            (0.9 * w, s - wire),
            (0.1 * w, s - wire),
            (0.02 * w, top),
        ],
        2 * wire,
    )
    n = int(rng.integers(7, 14))
    for i in range(1, n):
        t = i / n
        mk.line([(0.02 * w + t * 0.96 * w, top), (0.1 * w + t * 0.8 * w, s - wire)], wire)
    for t in (0.35, 0.65):
        y = top + t * (s - top)
        inset = 0.02 * w + t * 0.08 * w
        mk.line([(inset, y), (w - inset, y)], wire)
    for cx in (0.25 * w, 0.75 * w):
        mk.ellipse((cx, top), 0.1 * w, 0.15 * s, thickness=1.5 * wire, arc=(180, 360))
    return solid(mk, colour, rng, gloss=0.8)


def chair(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A chair from the front: legs, a seat and a back of slats between two rails."""
    w = s * rng.uniform(0.5, 0.62)
    leg = 0.045 * s
    seat = s * rng.uniform(0.5, 0.58)
    mk = _canvas(w, s)
    for x in (0.04 * w, w - 0.04 * w - leg):
        mk.rect(x, 0, x + leg, s)  # the back's posts run down into the rear legs
    mk.rect(0, seat, w, seat + 0.06 * s, radius=0.01 * s)
    mk.rect(0.04 * w, 0.02 * s, w - 0.04 * w, 0.1 * s, radius=0.02 * s)
    mk.rect(0.04 * w, seat - 0.12 * s, w - 0.04 * w, seat - 0.08 * s)
    n = int(rng.integers(2, 5))
    for i in range(1, n + 1):
        cx = 0.04 * w + i * (0.92 * w) / (n + 1)
        mk.rect(cx - 0.02 * s, 0.1 * s, cx + 0.02 * s, seat - 0.08 * s)
    mk.rect(0.04 * w, s * 0.8, w - 0.04 * w, s * 0.8 + 0.025 * s)  # the stretcher
    return solid(mk, colour, rng, grain=0.1)


def plant(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A potted plant: a pot, stems fanning out and leaves with sky between them."""
    w = s * rng.uniform(0.75, 1.0)
    pot_top = s * rng.uniform(0.62, 0.72)
    pot = _canvas(w, s).poly(
        [(0.3 * w, pot_top), (0.7 * w, pot_top), (0.64 * w, s - 1), (0.36 * w, s - 1)]
    )
    green = _canvas(w, s)
    base = (w / 2, pot_top)
    for _ in range(int(rng.integers(6, 11))):
        tip = (rng.uniform(0.08, 0.92) * w, rng.uniform(0.05, 0.4) * s)
        mid = ((base[0] + tip[0]) / 2 + rng.uniform(-0.15, 0.15) * w, (base[1] + tip[1]) / 2)
        pts = bezier(base, mid, tip)
        green.line(pts, 0.012 * s)
        for j in range(6, len(pts), 4):
            x, y = pts[j]
            size = s * rng.uniform(0.04, 0.08)
            green.ellipse(
                (x + rng.uniform(-1, 1) * size, y), size, size * 0.45, angle=rng.uniform(0, 180)
            )
    leaf = (rng.uniform(30, 90), rng.uniform(110, 170), rng.uniform(30, 80))
    return stack([solid(green, leaf, rng, gloss=0.2, grain=0.12), solid(pot, colour, rng)])


def key_ring(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A split ring with two to four keys hanging from it, each key's head pierced."""
    w = s * 0.9
    ring_ = _canvas(w, s).ring((w / 2, 0.18 * s), 0.15 * s, 0.15 * s, width=0.025 * s)
    keys = _canvas(w, s)
    n = int(rng.integers(2, 5))
    for i in range(n):
        ang = np.deg2rad(np.interp(i, [0, max(n - 1, 1)], [-35, 35]) + rng.uniform(-5, 5))
        hx, hy = w / 2 + np.sin(ang) * 0.3 * s, 0.18 * s + 0.15 * s + np.cos(ang) * 0.08 * s
        ex, ey = hx + np.sin(ang) * 0.55 * s, hy + np.cos(ang) * 0.55 * s
        keys.line([(hx, hy), (ex, ey)], 0.05 * s)
        keys.ellipse((hx, hy), 0.09 * s, 0.09 * s)
        keys.ellipse((hx, hy - 0.035 * s), 0.025 * s, 0.025 * s, on=False)
    metal = (rng.uniform(150, 210),) * 3
    return stack([solid(keys, colour, rng, gloss=0.9), solid(ring_, metal, rng, gloss=1.0)])


def hanger(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    """A coat hanger: a hook over a triangle of wire or wood."""
    w = s * rng.uniform(1.6, 2.0)
    bar = s * rng.uniform(0.03, 0.07)
    top = 0.35 * s
    mk = _canvas(w, s)
    mk.line([(w / 2, top), (0.02 * w, s - bar), (0.98 * w, s - bar), (w / 2, top)], bar)
    hook = _canvas(w, s).ellipse(
        (w / 2 + 0.06 * s, 0.16 * s), 0.09 * s, 0.1 * s, thickness=0.025 * s, arc=(150, 400)
    )
    hook.line([(w / 2, 0.26 * s), (w / 2, top)], 0.025 * s)
    return stack([solid(hook, (185, 185, 190), rng, gloss=1.0), solid(mk, colour, rng)])


# -- solid products (the distractor slice) ------------------------------------------------------


def gift_box(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(1.0, 1.5)
    box = _canvas(w, s).rect(0, 0.2 * s, w, s, radius=0.01 * s)
    lid = _canvas(w, s).rect(0, 0.12 * s, w, 0.3 * s, radius=0.01 * s)
    ribbon = _canvas(w, s).rect(w / 2 - 0.05 * s, 0.12 * s, w / 2 + 0.05 * s, s)
    ribbon.ellipse((w / 2 - 0.1 * s, 0.08 * s), 0.1 * s, 0.06 * s, angle=20)
    ribbon.ellipse((w / 2 + 0.1 * s, 0.08 * s), 0.1 * s, 0.06 * s, angle=-20)
    tie = tuple(rng.uniform(60, 230, 3))
    return stack(
        [
            solid(box, colour, rng, grain=0.08),
            solid(lid, _darker(colour, 1.05), rng),
            solid(ribbon, tie, rng, gloss=0.6),
        ]
    )


def bottle(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(0.3, 0.4)
    mk = _canvas(w, s).rect(0, 0.3 * s, w, s, radius=0.1 * w)
    mk.poly(
        [(0.02 * w, 0.35 * s), (0.35 * w, 0.15 * s), (0.65 * w, 0.15 * s), (0.98 * w, 0.35 * s)]
    )
    cap = _canvas(w, s).rect(0.32 * w, 0, 0.68 * w, 0.17 * s, radius=0.03 * w)
    return stack([solid(mk, colour, rng, cylinder=True, gloss=0.8), solid(cap, (40, 40, 45), rng)])


def book(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(0.65, 0.8)
    cover = _canvas(w, s).rect(0, 0, w, s, radius=0.01 * s)
    band = _canvas(w, s).rect(0.1 * w, 0.3 * s, 0.9 * w, 0.45 * s)
    return stack([solid(cover, colour, rng, gloss=0.2), solid(band, (235, 230, 215), rng)])


def bowl(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(1.6, 2.0)
    mk = _canvas(w, s).ellipse((w / 2, 0.2 * s), w / 2 - 1, 0.2 * s)
    mk.ellipse((w / 2, 0.2 * s), w / 2 - 1, 0.8 * s - 1, arc=(0, 180))
    inner = _canvas(w, s).ellipse((w / 2, 0.2 * s), w / 2 - 0.06 * s, 0.15 * s)
    return stack([solid(mk, colour, rng, cylinder=True), solid(inner, _darker(colour, 0.85), rng)])


def saucer(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * 3.0
    return solid(_canvas(w, s).ellipse((w / 2, s / 2), w / 2 - 1, s / 2 - 1), colour, rng)


def earbud(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    mk = _canvas(0.5 * s, s).ellipse((0.25 * s, 0.22 * s), 0.22 * s, 0.2 * s)
    mk.rect(0.17 * s, 0.3 * s, 0.33 * s, s, radius=0.08 * s)
    return solid(mk, colour, rng, gloss=0.9)


def earbud_case(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * 1.3
    body = _canvas(w, s).rect(0, 0, w, s, radius=0.35 * s)
    seam = _canvas(w, s).rect(0.02 * w, 0.3 * s, 0.98 * w, 0.32 * s)
    return stack([solid(body, colour, rng, gloss=0.9), solid(seam, _darker(colour, 0.7), rng)])


# -- desk clutter -------------------------------------------------------------------------------


def sticky_note(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    note = _canvas(s, s).rect(0, 0, s, s)
    return solid(note, colour, rng, gloss=0.0, grain=0.03)


def pen(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(0.06, 0.09)
    barrel = _canvas(w, s).rect(0, 0.1 * s, w, s, radius=w / 2)
    tip = _canvas(w, s).poly([(0.2 * w, 0.1 * s), (0.8 * w, 0.1 * s), (0.5 * w, 0)])
    return stack([solid(tip, (60, 60, 60), rng), solid(barrel, colour, rng, cylinder=True)])


def cable(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(0.8, 1.6)
    pts = bezier(
        (0.02 * w, rng.uniform(0.1, 0.9) * s),
        (rng.uniform(0, w), rng.uniform(0, s)),
        (0.98 * w, rng.uniform(0.1, 0.9) * s),
        n=40,
    )
    return solid(_canvas(w, s).line(pts, s * rng.uniform(0.02, 0.04)), colour, rng, gloss=0.6)


def coin(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    face = _canvas(s, s).ellipse((s / 2, s / 2), s / 2 - 1, s / 2 - 1)
    rim = _canvas(s, s).ring((s / 2, s / 2), s / 2 - 1, s / 2 - 1, 0.08 * s)
    return stack([solid(face, colour, rng, gloss=0.8), solid(rim, _darker(colour, 0.8), rng)])


def small_box(rng: np.random.Generator, s: float, colour: Colour) -> Sprite:
    w = s * rng.uniform(0.6, 1.4)
    return solid(_canvas(w, s).rect(0, 0, w, s, radius=0.03 * s), colour, rng, grain=0.06)


SEE_THROUGH: dict[str, Renderer] = {
    "mug": mug,
    "ring": ring,
    "scissors": scissors,
    "handbag": handbag,
    "meshholder": mesh_holder,
    "wirebasket": wire_basket,
    "chair": chair,
    "plant": plant,
    "keyring": key_ring,
    "hanger": hanger,
}
SOLID: dict[str, Renderer] = {
    "giftbox": gift_box,
    "bottle": bottle,
    "book": book,
    "bowl": bowl,
    "mug": mug,
    "handbag": handbag,
}
CLUTTER: dict[str, Renderer] = {
    "note": sticky_note,
    "pen": pen,
    "cable": cable,
    "coin": coin,
    "box": small_box,
    "mug": mug,
}
