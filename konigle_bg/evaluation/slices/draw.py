"""Drawing with exact anti-aliased alpha: shapes are drawn as hard masks at ``SS`` times the
size and averaged down, so the alpha is the true coverage of each pixel; a ``Sprite`` pairs that
alpha with the object's colours and is laid over a backdrop by the usual over operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

#: Supersampling factor of the hard masks (coverage is exact to 1/SS^2).
SS = 4

Point = tuple[float, float]


def smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int = 8) -> np.ndarray:
    """Smooth noise in about [-1, 1] of shape (h, w): random values on a coarse grid, resized."""
    gh, gw = max(2, cells * h // max(h, w) + 1), max(2, cells * w // max(h, w) + 1)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


class Mask:
    """A hard mask at ``SS`` x the size; coordinates are given in output pixels (floats)."""

    def __init__(self, w: int, h: int):
        self.w, self.h = w, h
        self.hard = np.zeros((h * SS, w * SS), np.uint8)

    @staticmethod
    def _p(pt: Point) -> tuple[int, int]:
        return int(round(pt[0] * SS)), int(round(pt[1] * SS))

    def ellipse(
        self,
        c: Point,
        rx: float,
        ry: float,
        angle: float = 0.0,
        on: bool = True,
        thickness: float = 0.0,
        arc: tuple[float, float] = (0.0, 360.0),
    ) -> Mask:
        t = -1 if thickness <= 0 else max(1, int(round(thickness * SS)))
        axes = (max(1, int(round(rx * SS))), max(1, int(round(ry * SS))))
        cv2.ellipse(self.hard, self._p(c), axes, angle, arc[0], arc[1], 255 if on else 0, t)
        return self

    def ring(self, c: Point, rx: float, ry: float, width: float, angle: float = 0.0) -> Mask:
        """An elliptical band of ``width`` px whose inside is a hole."""
        self.ellipse(c, rx, ry, angle)
        return self.ellipse(c, max(1.0, rx - width), max(1.0, ry - width), angle, on=False)

    def poly(self, pts: Sequence[Point], on: bool = True) -> Mask:
        arr = np.array([self._p(p) for p in pts], np.int32)
        cv2.fillPoly(self.hard, [arr], 255 if on else 0)
        return self

    def line(self, pts: Sequence[Point], width: float, on: bool = True) -> Mask:
        arr = np.array([self._p(p) for p in pts], np.int32)
        cv2.polylines(self.hard, [arr], False, 255 if on else 0, max(1, int(round(width * SS))))
        return self

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, radius: float = 0.0, on: bool = True
    ) -> Mask:
        r = max(0.0, min(radius, (x1 - x0) / 2, (y1 - y0) / 2))
        self.poly([(x0 + r, y0), (x1 - r, y0), (x1 - r, y1), (x0 + r, y1)], on)
        self.poly([(x0, y0 + r), (x1, y0 + r), (x1, y1 - r), (x0, y1 - r)], on)
        if r > 0:
            for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
                self.ellipse((cx, cy), r, r, on=on)
        return self

    def alpha(self) -> np.ndarray:
        """Coverage of each output pixel, float32 in [0, 1]."""
        small = cv2.resize(self.hard, (self.w, self.h), interpolation=cv2.INTER_AREA)
        # INTER_AREA at an integer factor is the exact box average, rounded to uint8 steps.
        return small.astype(np.float32) / 255.0


def bezier(p0: Point, p1: Point, p2: Point, n: int = 24) -> list[Point]:
    """Points of the quadratic Bezier curve p0 -> p2 pulled toward p1."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    pts = (1 - t) ** 2 * np.array(p0) + 2 * (1 - t) * t * np.array(p1) + t**2 * np.array(p2)
    return [(float(x), float(y)) for x, y in pts]


@dataclass
class Sprite:
    """An object: alpha (h, w) in [0, 1] and colours (h, w, 3) in [0, 255], float32."""

    alpha: np.ndarray
    rgb: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.alpha.shape[1], self.alpha.shape[0]

    def over(self, other: Sprite) -> Sprite:
        """This sprite over ``other`` (same size): the over operator, colours unpremultiplied."""
        a, b = self.alpha[..., None], other.alpha[..., None]
        out = a + b * (1 - a)
        premult = self.rgb * a + other.rgb * b * (1 - a)
        rgb = np.where(out > 1e-6, premult / np.maximum(out, 1e-6), self.rgb)
        return Sprite(out[..., 0].astype(np.float32), rgb.astype(np.float32))


def stack(parts: Sequence[Sprite]) -> Sprite:
    """``parts`` laid over each other, the first at the bottom."""
    out = parts[0]
    for p in parts[1:]:
        out = p.over(out)
    return out


def shade(
    alpha: np.ndarray,
    colour: Sequence[float],
    rng: np.random.Generator,
    cylinder: bool = False,
    gloss: float = 0.5,
    grain: float = 0.04,
) -> np.ndarray:
    """Product-like colours over ``alpha``'s shape: light falling from one side, darker rims,
    a soft specular streak and a little surface grain. Defined on the whole sprite so partly
    covered edge pixels have colours too."""
    h, w = alpha.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx /= max(w - 1, 1)
    yy /= max(h - 1, 1)
    angle = rng.uniform(0, 2 * np.pi)
    light = 1.0 + 0.18 * ((xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle))
    if cylinder:
        light *= 1.0 - 0.35 * (2 * xx - 1) ** 4
    inside = (alpha > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    rim = max(2.0, 0.02 * max(h, w))
    light *= 1.0 - 0.18 * np.exp(-dist / rim)
    light *= 1.0 + grain * smooth_noise(rng, h, w, cells=int(rng.integers(20, 60)))
    base = np.asarray(colour, np.float32)[None, None, :] * light[..., None]
    sx = rng.uniform(0.2, 0.4) if cylinder else rng.uniform(0.15, 0.85)
    streak = (
        np.exp(-(((xx - sx) / 0.04) ** 2))
        if cylinder
        else np.exp(-(((xx - sx) / 0.12) ** 2 + ((yy - rng.uniform(0.15, 0.5)) / 0.12) ** 2))
    )
    base += (gloss * 90.0 * streak)[..., None]
    return np.clip(base, 0, 255).astype(np.float32)


def solid(mask: Mask, colour: Sequence[float], rng: np.random.Generator, **kw) -> Sprite:
    """A shaded sprite of ``mask``'s shape."""
    a = mask.alpha()
    return Sprite(a, shade(a, colour, rng, **kw))
