"""Backdrops a product is photographed on: seamless sweeps (white, grey, pastel, dark), wood,
marble, and busy real photos; plus the soft shadows an object casts on them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .draw import smooth_noise

KINDS = ("white", "grey", "pastel", "dark", "wood", "marble", "photo")


def sweep(rng: np.random.Generator, h: int, w: int, colour: np.ndarray) -> np.ndarray:
    """A studio sweep: ``colour`` brightening toward the top with a faint vignette."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy /= h
    xx /= w
    light = 1.0 - rng.uniform(0.03, 0.12) * yy - 0.06 * ((xx - 0.5) ** 2 + (yy - 0.4) ** 2)
    light += 0.01 * smooth_noise(rng, h, w, 6)
    return np.clip(colour[None, None, :] * light[..., None], 0, 255)


def wood(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Planks: grain lines bent by smooth noise between a light and a dark brown."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    freq = rng.uniform(0.04, 0.12)
    warp = 25.0 * smooth_noise(rng, h, w, 5) + 4.0 * smooth_noise(rng, h, w, 30)
    grain = 0.5 + 0.5 * np.sin((yy + warp) * freq + 0.002 * xx)
    light = np.array(rng.uniform([170, 120, 80], [235, 195, 150]), np.float32)
    dark = light * rng.uniform(0.55, 0.8)
    out = light * (1 - grain[..., None]) + dark * grain[..., None]
    plank = max(60, int(h * rng.uniform(0.15, 0.3)))
    seams = (yy.astype(int) % plank) < 2
    out[seams] *= 0.7
    return np.clip(out * (1 + 0.04 * smooth_noise(rng, h, w, 60))[..., None], 0, 255)


def marble(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """White stone with soft grey veins."""
    n = smooth_noise(rng, h, w, 4) * 3 + smooth_noise(rng, h, w, 12)
    veins = np.exp(-(np.sin(n * 3.0) ** 2) / 0.02)
    base = np.array(rng.uniform(225, 250, 3), np.float32)
    out = base * (1 - 0.3 * veins[..., None]) * (1 + 0.02 * smooth_noise(rng, h, w, 40))[..., None]
    return np.clip(out, 0, 255)


def photo(rng: np.random.Generator, h: int, w: int, path: Path) -> np.ndarray:
    """A real photo covering the frame, a little out of focus as behind a product."""
    with Image.open(path) as im:
        arr = np.asarray(im.convert("RGB"), np.float32)
    ph, pw = arr.shape[:2]
    k = max(h / ph, w / pw)
    arr = cv2.resize(
        arr, (int(np.ceil(pw * k)), int(np.ceil(ph * k))), interpolation=cv2.INTER_CUBIC
    )
    y0 = int(rng.integers(0, arr.shape[0] - h + 1))
    x0 = int(rng.integers(0, arr.shape[1] - w + 1))
    arr = arr[y0 : y0 + h, x0 : x0 + w]
    sigma = rng.uniform(1.0, 5.0)
    if sigma > 0.5:
        arr = cv2.GaussianBlur(arr, (0, 0), sigma)
    return np.clip(arr, 0, 255)


def backdrop(rng: np.random.Generator, h: int, w: int, kind: str, photos: list[Path]) -> np.ndarray:
    """A (h, w, 3) float32 backdrop of ``kind`` (one of ``KINDS``)."""
    if kind == "photo" and photos:
        return photo(rng, h, w, photos[int(rng.integers(len(photos)))]).astype(np.float32)
    colours = {
        "white": rng.uniform(238, 255) * np.ones(3),
        "grey": rng.uniform(150, 215) * np.ones(3),
        "pastel": rng.uniform([190, 190, 190], [250, 250, 250]),
        "dark": rng.uniform(15, 60) * np.ones(3) + rng.uniform(0, 10, 3),
    }
    if kind in colours:
        return sweep(rng, h, w, np.asarray(colours[kind], np.float32)).astype(np.float32)
    if kind == "marble":
        return marble(rng, h, w).astype(np.float32)
    return wood(rng, h, w).astype(np.float32)


def cast_shadow(
    ground: np.ndarray, alpha: np.ndarray, x: int, y: int, rng: np.random.Generator, strength: float
) -> None:
    """Darken ``ground`` in place under an object of ``alpha`` placed at (x, y): a blurred
    copy of its silhouette, offset, plus a tight contact shadow along its base."""
    h, w = ground.shape[:2]
    ah, aw = alpha.shape
    pad = int(0.3 * max(ah, aw)) + 8
    shadow = np.zeros((ah + 2 * pad, aw + 2 * pad), np.float32)
    dx, dy = int(rng.uniform(-0.05, 0.08) * aw), int(rng.uniform(0.0, 0.04) * ah)
    shadow[pad + dy : pad + dy + ah, pad + dx : pad + dx + aw] = alpha * 0.6
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(2.0, 0.04 * max(ah, aw)))
    rows = np.nonzero(alpha.max(axis=1) > 0.5)[0]
    if rows.size:
        base = rows[-1]
        cols = np.nonzero(alpha[base] > 0.5)[0]
        contact = np.zeros_like(shadow)
        cx = pad + (cols[0] + cols[-1]) / 2
        cv2.ellipse(
            contact,
            (int(cx), pad + int(base)),
            (max(2, int(0.55 * (cols[-1] - cols[0] + 1))), max(2, int(0.03 * ah))),
            0,
            0,
            360,
            1.0,
            -1,
        )
        shadow = np.maximum(shadow, cv2.GaussianBlur(contact, (0, 0), max(1.5, 0.015 * ah)))
    sx0, sy0 = x - pad, y - pad
    gx0, gy0 = max(0, sx0), max(0, sy0)
    gx1, gy1 = min(w, sx0 + shadow.shape[1]), min(h, sy0 + shadow.shape[0])
    if gx1 <= gx0 or gy1 <= gy0:
        return
    part = shadow[gy0 - sy0 : gy1 - sy0, gx0 - sx0 : gx1 - sx0]
    ground[gy0:gy1, gx0:gx1] *= (1.0 - strength * np.clip(part, 0, 1))[..., None]
