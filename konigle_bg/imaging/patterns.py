"""Procedural backgrounds the project renders itself: a studio sweep and festive scenes.

Each pattern is a pure function of ``(size, seed, colors)``: the same arguments give the same
pixels on every machine, layouts are in fractions of the canvas so a seed looks the same at any
size, and nothing loops over pixels in Python (particles are splatted with numpy and blurred or
drawn with cv2). :func:`render` caches the last few results per (name, size, seed, colours).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

from .backgrounds import parse_color

__all__ = ["NAMES", "DEFAULT_COLORS", "render"]

RGB = tuple[int, int, int]

# (top, bottom) base colours of each pattern; themes may override them.
DEFAULT_COLORS: dict[str, tuple[str, str]] = {
    "sweep": ("#A9ADB3", "#ECEDEF"),
    "bokeh": ("#170E2B", "#3B1526"),
    "snow": ("#1A2B4A", "#6585AE"),
    "confetti": ("#FFF8EE", "#FBE3CF"),
}


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    return (np.clip(arr, 0.0, 255.0) + 0.5).astype(np.uint8)


def _vertical(size: tuple[int, int], top: RGB, bottom: RGB) -> np.ndarray:
    """uint8 (H, W, 3) vertical gradient, built from one column (cheap at any size)."""
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    col = _to_uint8(np.asarray(top, np.float32) + t * (np.asarray(bottom, np.float32) - top))
    # Stretching the column with cv2 is several times faster than copying a numpy broadcast.
    return cv2.resize(col, (width, height), interpolation=cv2.INTER_NEAREST)


def _small(size: tuple[int, int], factor: int) -> tuple[int, int]:
    return max(8, size[0] // factor), max(8, size[1] // factor)


def _upscale(small: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Smooth content is computed at low resolution and scaled up: same look, a fraction of
    the work."""
    return cv2.resize(_to_uint8(small), size, interpolation=cv2.INTER_LINEAR)


def _screen(base: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Screen blend in uint8, a + (255 - a) * b / 255: lights add up without hard clipping.
    ``light`` may be (H, W) grey (white light of that strength) or (H, W, 3)."""
    if light.ndim == 2:
        light = cv2.cvtColor(light, cv2.COLOR_GRAY2RGB)
    return cv2.add(base, cv2.multiply(cv2.bitwise_not(base), light, scale=1.0 / 255.0))


def sweep(size: tuple[int, int], rng: np.random.Generator, colors: tuple[RGB, RGB]) -> np.ndarray:
    """Studio paper sweep: darker wall curving into a bright floor, gently vignetted."""
    sw, sh = _small(size, 8)
    wall, floor = (np.asarray(c, np.float32) for c in colors)
    y = np.linspace(0.0, 1.0, sh, dtype=np.float32)
    # Wall brightens into the curve around 62% height; the floor falls off a little toward
    # the camera, as a lit paper sweep does.
    t_wall = _smoothstep(0.0, 0.62, y)[:, None]
    t_floor = _smoothstep(0.62, 1.0, y)[:, None] * 0.18
    profile = wall + t_wall * (floor - wall) - t_floor * (floor - wall)
    x = np.linspace(-1.0, 1.0, sw, dtype=np.float32)
    vignette = 1.0 - 0.07 * x * x
    return _upscale(profile[:, None, :] * vignette[None, :, None], size)


def bokeh(size: tuple[int, int], rng: np.random.Generator, colors: tuple[RGB, RGB]) -> np.ndarray:
    """Out-of-focus warm fairy lights over a dark gradient."""
    base = _vertical(size, *colors)
    # Discs are blurry by nature: draw them at quarter resolution and scale up.
    sw, sh = _small(size, 4)
    layer = np.zeros((sh, sw, 3), np.float32)
    palette = np.array(
        [(255, 204, 102), (255, 160, 64), (255, 236, 200), (255, 110, 90), (250, 220, 140)],
        np.float32,
    )
    longer = max(sw, sh)
    n = 80
    xs = rng.uniform(-0.05, 1.05, n) * sw
    ys = rng.beta(1.2, 1.8, n) * sh  # calmer toward the floor where products stand
    radii = longer * (0.012 + 0.055 * rng.uniform(0, 1, n) ** 2)
    strength = rng.uniform(0.18, 0.6, n).astype(np.float32)
    picks = palette[rng.integers(0, len(palette), n)]
    for cx, cy, r, s, colour in zip(xs, ys, radii, strength, picks, strict=True):
        x0, x1 = max(0, int(cx - r - 2)), min(sw, int(cx + r + 3))
        y0, y1 = max(0, int(cy - r - 2)), min(sh, int(cy + r + 3))
        if x0 >= x1 or y0 >= y1:
            continue
        yy, xx = np.ogrid[y0:y1, x0:x1]
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2).astype(np.float32)
        # Soft-edged disc with a faintly brighter rim, like a real out-of-focus highlight.
        disc = np.clip(r - d + 0.5, 0.0, 1.0) * (0.8 + 0.2 * np.minimum(d / r, 1.0) ** 4)
        layer[y0:y1, x0:x1] += (s * disc)[..., None] * colour
    layer = cv2.GaussianBlur(layer, (0, 0), 0.8)
    return _screen(base, _upscale(layer, size))


def snow(size: tuple[int, int], rng: np.random.Generator, colors: tuple[RGB, RGB]) -> np.ndarray:
    """Falling snow in three depths over a winter-blue sky and a bright snowy ground."""
    width, height = size
    # Sky and ground are smooth: compute them at quarter resolution.
    sw, sh = _small(size, 4)
    top, bottom = (np.asarray(c, np.float32) for c in colors)
    y = np.linspace(0.0, 1.0, sh, dtype=np.float32)[:, None]
    sky = top + y[..., None] * (bottom - top)
    x = np.linspace(0.0, 1.0, sw, dtype=np.float32)
    phase = rng.uniform(0, 2 * np.pi, 2)
    # A gently wavy horizon; products standing on the floor line rest on the snow.
    horizon = (
        0.80
        + 0.012 * np.sin(2 * np.pi * 1.3 * x + phase[0])
        + 0.008 * np.sin(2 * np.pi * 3.1 * x + phase[1])
    )
    ground = _smoothstep(0.0, 0.025, y - horizon[None, :])[..., None]
    # Brighter toward the camera, faintly blue like snow in shade.
    ground_rgb = np.asarray((226, 233, 243), np.float32) + (y[..., None] - 0.8) * np.float32(45)
    out = _upscale(sky * (1 - ground) + ground_rgb * ground, size)

    longer = max(width, height)
    density = width * height / (1600 * 1200)
    # Far and middle flakes: small anti-aliased discs drawn at full resolution.
    mask = np.zeros((height, width), np.uint8)
    for n, r_lo, r_hi, a_lo, a_hi in (
        (900, 0.0008, 0.0016, 90, 200),
        (160, 0.002, 0.0035, 130, 230),
    ):
        count = max(1, round(n * density))
        pts = rng.uniform(0, 1, (count, 2)) * (width, height)
        radii = rng.uniform(r_lo, r_hi, count) * longer
        alphas = rng.integers(a_lo, a_hi, count)
        for (px, py), r, a in zip(pts, radii, alphas, strict=True):
            cv2.circle(
                mask, (int(px * 16), int(py * 16)), max(8, int(r * 16)), int(a), -1, cv2.LINE_AA, 4
            )
    mask = cv2.GaussianBlur(mask, (0, 0), max(0.5, 0.0006 * longer))
    # Near flakes: big, out of focus; at quarter resolution.
    near = np.zeros((sh, sw), np.uint8)
    count = max(1, round(26 * density))
    for (px, py), r, a in zip(
        rng.uniform(0, 1, (count, 2)) * (sw, sh),
        rng.uniform(0.006, 0.012, count) * max(sw, sh),
        rng.integers(70, 140, count),
        strict=True,
    ):
        cv2.circle(near, (int(px * 16), int(py * 16)), int(r * 16), int(a), -1, cv2.LINE_AA, 4)
    near = cv2.GaussianBlur(near, (0, 0), max(1.0, 0.0025 * max(sw, sh)))
    mask = cv2.max(mask, cv2.resize(near, size, interpolation=cv2.INTER_LINEAR))
    return _screen(out, mask)


def confetti(
    size: tuple[int, int], rng: np.random.Generator, colors: tuple[RGB, RGB]
) -> np.ndarray:
    """Paper confetti scattered around the edges, leaving the middle calm for the product."""
    width, height = size
    out = _vertical(size, *colors)
    palette = [
        (230, 57, 70),
        (244, 162, 97),
        (42, 157, 143),
        (233, 196, 106),
        (69, 123, 157),
        (155, 93, 229),
        (241, 91, 181),
    ]
    longer = max(width, height)
    n = 420
    pts = rng.uniform(0, 1, (n, 2))
    d = np.hypot((pts[:, 0] - 0.5) / 0.5, (pts[:, 1] - 0.5) / 0.5)
    keep = rng.uniform(0, 1, n) < _smoothstep(0.45, 0.95, d)
    widths = longer * rng.uniform(0.005, 0.011, n)
    aspects = rng.uniform(1.6, 2.8, n)
    angles = rng.uniform(0, np.pi, n)
    colour_idx = rng.integers(0, len(palette), n)
    circles = rng.uniform(0, 1, n) < 0.25
    shift = 4  # cv2 sub-pixel bits: smooth anti-aliased edges at any size
    scale = 1 << shift
    for i in np.flatnonzero(keep):
        cx, cy = pts[i, 0] * width, pts[i, 1] * height
        w, colour = widths[i], palette[colour_idx[i]]
        if circles[i]:
            centre = (int(cx * scale), int(cy * scale))
            cv2.circle(out, centre, int(w * 0.7 * scale), colour, -1, cv2.LINE_AA, shift)
            continue
        c, s = np.cos(angles[i]), np.sin(angles[i])
        corners = (
            np.array(
                [
                    (-w, -w * aspects[i]),
                    (w, -w * aspects[i]),
                    (w, w * aspects[i]),
                    (-w, w * aspects[i]),
                ]
            )
            / 2
        )
        rot = corners @ np.array([[c, s], [-s, c]]) + (cx, cy)
        cv2.fillConvexPoly(out, (rot * scale).astype(np.int32), colour, cv2.LINE_AA, shift)
    return out


_MAKERS: dict[str, Callable[..., np.ndarray]] = {
    "sweep": sweep,
    "bokeh": bokeh,
    "snow": snow,
    "confetti": confetti,
}
NAMES: tuple[str, ...] = tuple(_MAKERS)


@functools.lru_cache(maxsize=8)
def render(
    name: str, size: tuple[int, int], seed: int = 0, colors: tuple[str, str] | None = None
) -> np.ndarray:
    """The pattern ``name`` at ``size`` = (width, height): read-only (H, W, 3) uint8, cached."""
    if name not in _MAKERS:
        raise ValueError(f"unknown pattern {name!r}; known: {', '.join(NAMES)}")
    pair = colors or DEFAULT_COLORS[name]
    rgb = (parse_color(pair[0]), parse_color(pair[1]))
    arr = _MAKERS[name](size, np.random.default_rng(seed), rgb)
    arr.setflags(write=False)
    return arr
