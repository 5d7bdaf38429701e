"""Shadows and reflections built from the placed product's own alpha.

Every function takes the product as placed on the canvas (alpha in 0..1, or premultiplied
RGBA in 0..255) and returns a layer plus the offset of its top-left corner relative to the
product's top-left, so they work at the product's box and never touch the whole canvas.
A shadow layer is a strength map in [0, 1]: the caller paints its colour with that coverage.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .backgrounds import gaussian_blur

__all__ = ["bottom_profile", "contact_shadow", "drop_shadow", "reflection"]

Offset = tuple[int, int]


def bottom_profile(alpha: np.ndarray, level: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Per column: whether the product covers it, and the lowest row where alpha > level."""
    mask = alpha > level
    if not mask.any():
        mask = alpha > 0.02
    flipped = mask[::-1]
    covered = flipped.any(axis=0)
    lowest = alpha.shape[0] - 1 - flipped.argmax(axis=0)
    return covered, lowest


def contact_shadow(
    alpha: np.ndarray, blur: float = 0.03, lift: float = 0.04
) -> tuple[np.ndarray, Offset]:
    """Soft occlusion where the product meets the floor.

    It follows the product's bottom edge: each column casts shade in proportion to how close
    its lowest point is to the floor (a shoe's heel and toe shade the floor, its arch barely
    does), spread by a tight and a wide anisotropic Gaussian. ``blur`` scales the softness
    with the product's longer side; ``lift`` is the height (fraction of the product height)
    over which a column's shade fades as its bottom rises from the floor.
    """
    ph, pw = alpha.shape
    ref = max(pw, ph)
    covered, lowest = bottom_profile(alpha)
    floor = int(lowest[covered].max()) if covered.any() else ph - 1
    rise = (floor - lowest).astype(np.float32)
    weight = np.where(covered, np.exp(-rise / max(1.0, lift * ph)), 0.0).astype(np.float32)

    tight = (max(1.0, 0.35 * blur * ref), max(0.8, 0.12 * blur * ref))
    wide = (max(1.5, 1.3 * blur * ref), max(1.0, 0.4 * blur * ref))
    mx = math.ceil(3 * wide[0])
    up = math.ceil(3 * max(tight[1], wide[1]))
    # The wide layer sits a little lower so the shade reads as lying in front of the product.
    drop = round(0.5 * wide[1])
    down = up + drop
    row = np.zeros((1, pw + 2 * mx), np.float32)
    row[0, mx : mx + pw] = weight

    def layer(sx: float, sy: float, shift: int) -> np.ndarray:
        kx = 2 * math.ceil(3 * sx) + 1
        # Normalised horizontal blur keeps a wide product's shade at full strength.
        spread = cv2.GaussianBlur(row, (kx, 1), sx, borderType=cv2.BORDER_CONSTANT)[0]
        dy = np.arange(-up, down + 1, dtype=np.float32) - np.float32(shift)
        col = np.exp(-0.5 * (dy / np.float32(sy)) ** 2)
        return np.outer(col, spread)

    near = layer(*tight, 0)
    far = layer(*wide, drop)
    strength = 1.0 - (1.0 - near) * (1.0 - 0.55 * far)
    np.clip(strength, 0.0, 1.0, out=strength)
    return strength, (-mx, floor - up)


def drop_shadow(
    alpha: np.ndarray, blur: float = 0.03, offset: tuple[float, float] = (0.03, 0.03)
) -> tuple[np.ndarray, Offset]:
    """The product's silhouette, blurred and shifted: ``blur`` (Gaussian sigma) and ``offset``
    (dx, dy) are fractions of the product's longer side."""
    ph, pw = alpha.shape
    ref = max(pw, ph)
    sigma = blur * ref
    m = math.ceil(3 * sigma) + 1
    padded = cv2.copyMakeBorder(alpha.astype(np.float32), m, m, m, m, cv2.BORDER_CONSTANT, 0)
    strength = gaussian_blur(padded, sigma) if sigma > 0 else padded
    np.clip(strength, 0.0, 1.0, out=strength)
    return strength, (round(offset[0] * ref) - m, round(offset[1] * ref) - m)


def reflection(
    premultiplied: np.ndarray, strength: float = 0.3, fade: float = 0.35
) -> tuple[np.ndarray, Offset]:
    """Mirror image of the product's lower part under its bottom edge, fading out over
    ``fade`` x the product height; starts at ``strength`` opacity at the floor line."""
    ph = premultiplied.shape[0]
    n = max(1, round(fade * ph))
    mirrored = premultiplied[ph - n :][::-1]
    ramp = strength * (1.0 - np.arange(n, dtype=np.float32) / n) ** 2
    # Premultiplied: scaling every channel (colour and alpha) scales the opacity.
    return mirrored * ramp[:, None, None].astype(np.float32), (0, ph)
