"""Full-resolution edges from a coarse probability map: small pure steps (pilkit style).

Every function takes and returns numpy arrays; alpha maps are float32 (H, W) in [0, 1] and
photos uint8 (H, W, 3) RGB. Nothing here knows about models or storage.
"""

from __future__ import annotations

import cv2
import numpy as np


def _box(img: np.ndarray, r: int) -> np.ndarray:
    # Normalised box filter; BORDER_REFLECT keeps the mean unbiased at the frame's edges.
    return cv2.blur(img, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s colour guided filter: ``src`` smoothed, but its edges follow ``guide``'s.

    ``guide`` uint8/float (H, W, 3) or (H, W); ``src`` float (H, W). O(N) via box filters.
    """
    g = guide.astype(np.float32)
    if g.max() > 1.5:
        g = g / 255.0
    p = src.astype(np.float32)
    r = max(1, int(radius))
    if g.ndim == 2:
        mean_i = _box(g, r)
        mean_p = _box(p, r)
        var_i = _box(g * g, r) - mean_i * mean_i
        cov_ip = _box(g * p, r) - mean_i * mean_p
        a = cov_ip / (var_i + eps)
        b = mean_p - a * mean_i
        return _box(a, r) * g + _box(b, r)

    mean_i = [_box(g[..., c], r) for c in range(3)]
    mean_p = _box(p, r)
    cov = [_box(g[..., c] * p, r) - mean_i[c] * mean_p for c in range(3)]
    # 3x3 covariance of the guide per pixel, regularised by eps on the diagonal.
    var = np.empty(p.shape + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = _box(g[..., i] * g[..., j], r) - mean_i[i] * mean_i[j]
            if i == j:
                v = v + eps
            var[..., i, j] = v
            var[..., j, i] = v
    cov_v = np.stack(cov, axis=-1)[..., None]
    a = np.linalg.solve(var, cov_v)[..., 0]
    b = mean_p - sum(a[..., c] * mean_i[c] for c in range(3))
    out = sum(_box(a[..., c], r) * g[..., c] for c in range(3)) + _box(b, r)
    return out


def fast_guided_filter(
    guide: np.ndarray, src: np.ndarray, radius: int, eps: float, scale: int = 4
) -> np.ndarray:
    """Guided filter computed at 1/``scale`` resolution (He & Sun 2015), applied at full size."""
    h, w = src.shape[:2]
    if scale <= 1:
        return guided_filter(guide, src, radius, eps)
    sw, sh = max(1, w // scale), max(1, h // scale)
    g_small = cv2.resize(guide, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    p_small = cv2.resize(src.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
    g_small = g_small / 255.0 if g_small.max() > 1.5 else g_small
    r = max(1, radius // scale)
    g_full = guide.astype(np.float32)
    g_full = g_full / 255.0 if g_full.max() > 1.5 else g_full
    if g_small.ndim == 2:
        mean_i = _box(g_small, r)
        mean_p = _box(p_small, r)
        var_i = _box(g_small * g_small, r) - mean_i * mean_i
        cov_ip = _box(g_small * p_small, r) - mean_i * mean_p
        a = cov_ip / (var_i + eps)
        b = mean_p - a * mean_i
        a_f = cv2.resize(_box(a, r), (w, h), interpolation=cv2.INTER_LINEAR)
        b_f = cv2.resize(_box(b, r), (w, h), interpolation=cv2.INTER_LINEAR)
        return a_f * g_full + b_f
    mean_i = [_box(g_small[..., c], r) for c in range(3)]
    mean_p = _box(p_small, r)
    var = np.empty(p_small.shape + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = _box(g_small[..., i] * g_small[..., j], r) - mean_i[i] * mean_i[j]
            if i == j:
                v = v + eps
            var[..., i, j] = v
            var[..., j, i] = v
    cov_v = np.stack(
        [_box(g_small[..., c] * p_small, r) - mean_i[c] * mean_p for c in range(3)], axis=-1
    )[..., None]
    a = np.linalg.solve(var, cov_v)[..., 0]
    b = mean_p - sum(a[..., c] * mean_i[c] for c in range(3))
    out = cv2.resize(_box(b, r), (w, h), interpolation=cv2.INTER_LINEAR)
    for c in range(3):
        out += (
            cv2.resize(_box(a[..., c], r), (w, h), interpolation=cv2.INTER_LINEAR) * g_full[..., c]
        )
    return out


def upsample(prob: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a probability map to ``size`` = (width, height)."""
    if prob.shape[1] == size[0] and prob.shape[0] == size[1]:
        return prob.astype(np.float32)
    return cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)


def feather(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """A light Gaussian softening of the edge (anti-aliasing a hard mask)."""
    if sigma <= 0:
        return alpha
    return cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), sigma)


def guided_feather(
    photo: np.ndarray, prob: np.ndarray, radius: int = 8, eps: float = 1e-4, scale: int = 2
) -> np.ndarray:
    """Edge-aware feathering: the map's edges snapped onto the photo's colour edges."""
    out = fast_guided_filter(photo, prob, radius, eps, scale=scale)
    return np.clip(out, 0.0, 1.0).astype(np.float32)
