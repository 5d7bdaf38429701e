"""Full-resolution edges from a coarse probability map: small pure steps (pilkit style).

Every function takes and returns numpy arrays; probability and alpha maps are float32 (H, W)
in [0, 1], photos uint8 (H, W, 3) RGB, boxes (x0, y0, x1, y1) with exclusive ends. Nothing
here knows about models or storage.
"""

from __future__ import annotations

import cv2
import numpy as np

from .colour_model import ColourModels, quantise
from .morph import dilate_ellipse, erode_ellipse

Box = tuple[int, int, int, int]


# -- guided filtering ----------------------------------------------------------------------


def _box(img: np.ndarray, r: int) -> np.ndarray:
    # Normalised box filter; BORDER_REFLECT keeps the mean unbiased at the frame's edges.
    return cv2.blur(img, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def _unit_float(img: np.ndarray) -> np.ndarray:
    out = img.astype(np.float32)
    return out / 255.0 if img.dtype == np.uint8 else out


def _guided_coefficients(g: np.ndarray, p: np.ndarray, r: int, eps: float):
    """Per-pixel linear model ``q = a . I + b`` of He et al.'s colour guided filter."""
    m = [_box(g[..., c], r) for c in range(3)]
    mp = _box(p, r)
    cov = [_box(g[..., c] * p, r) - m[c] * mp for c in range(3)]
    s = {}
    for i in range(3):
        for j in range(i, 3):
            s[i, j] = _box(g[..., i] * g[..., j], r) - m[i] * m[j] + (eps if i == j else 0.0)
    # Explicit inverse of the symmetric 3x3 covariance: far faster than np.linalg.solve.
    a00, a01, a02, a11, a12, a22 = s[0, 0], s[0, 1], s[0, 2], s[1, 1], s[1, 2], s[2, 2]
    c00 = a11 * a22 - a12 * a12
    c01 = a02 * a12 - a01 * a22
    c02 = a01 * a12 - a02 * a11
    c11 = a00 * a22 - a02 * a02
    c12 = a01 * a02 - a00 * a12
    c22 = a00 * a11 - a01 * a01
    det = a00 * c00 + a01 * c01 + a02 * c02
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    a0 = (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) / det
    a1 = (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) / det
    a2 = (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) / det
    b = mp - a0 * m[0] - a1 * m[1] - a2 * m[2]
    return (a0, a1, a2), b


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s colour guided filter: ``src`` smoothed, its edges following ``guide``'s."""
    g = _unit_float(guide)
    p = src.astype(np.float32)
    r = max(1, int(radius))
    if g.ndim == 2:
        mi, mp = _box(g, r), _box(p, r)
        a = (_box(g * p, r) - mi * mp) / (_box(g * g, r) - mi * mi + eps)
        b = mp - a * mi
        return _box(a, r) * g + _box(b, r)
    (a0, a1, a2), b = _guided_coefficients(g, p, r, eps)
    return _box(a0, r) * g[..., 0] + _box(a1, r) * g[..., 1] + _box(a2, r) * g[..., 2] + _box(b, r)


def fast_guided_filter(
    guide: np.ndarray, src: np.ndarray, radius: int, eps: float, scale: int = 2
) -> np.ndarray:
    """Guided filter fitted at 1/``scale`` resolution and applied at full (He & Sun 2015)."""
    if scale <= 1:
        return guided_filter(guide, src, radius, eps)
    h, w = src.shape[:2]
    sw, sh = max(1, w // scale), max(1, h // scale)
    g_full = _unit_float(guide)
    g = cv2.resize(g_full, (sw, sh), interpolation=cv2.INTER_AREA)
    p = cv2.resize(src.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
    r = max(1, radius // scale)
    if g.ndim == 2:
        mi, mp = _box(g, r), _box(p, r)
        a = (_box(g * p, r) - mi * mp) / (_box(g * g, r) - mi * mi + eps)
        b = mp - a * mi
        up = [cv2.resize(_box(x, r), (w, h), interpolation=cv2.INTER_LINEAR) for x in (a, b)]
        return up[0] * g_full + up[1]
    coef, b = _guided_coefficients(g, p, r, eps)
    out = cv2.resize(_box(b, r), (w, h), interpolation=cv2.INTER_LINEAR)
    for c in range(3):
        out += cv2.resize(_box(coef[c], r), (w, h), interpolation=cv2.INTER_LINEAR) * g_full[..., c]
    return out


# -- geometry -------------------------------------------------------------------------------


def upsample(prob: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a probability map to ``size`` = (width, height)."""
    if prob.shape[1] == size[0] and prob.shape[0] == size[1]:
        return prob.astype(np.float32)
    return cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)


def mask_box(mask: np.ndarray) -> Box | None:
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def subject_components(
    prob: np.ndarray,
    level: float = 0.5,
    min_share: float = 0.05,
    core: float = 0.9,
    core_share: float = 0.0,
) -> np.ndarray:
    """Mask of the map's real subject: its components that are big enough and sure enough.

    A component is kept when its area is >= ``min_share`` of the largest one's and its count
    of sure pixels (``prob > core``) is >= ``core_share`` of the surest one's: far specks and
    hazy distractors (a light box's clamps, a texture) would otherwise stretch the zoom window.
    """
    mask = (prob > level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros(prob.shape, bool)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    keep = areas >= min_share * areas.max()
    if core_share > 0:
        sure = np.bincount(labels[prob > core], minlength=n)[1:].astype(np.float64)
        if sure.max() > 0:
            keep &= sure >= core_share * sure.max()
    lut = np.concatenate([[False], keep])
    return lut[labels]


def subject_box(
    prob: np.ndarray,
    level: float = 0.5,
    min_share: float = 0.05,
    core: float = 0.9,
    core_share: float = 0.0,
) -> Box | None:
    """Box around ``subject_components``; None when the map is empty."""
    return mask_box(subject_components(prob, level, min_share, core, core_share))


def carved_share(reference: np.ndarray, other: np.ndarray, min_share: float = 0.05) -> float:
    """Share of ``reference``'s subject that ``other`` cuts away from parts it still keeps.

    Both are maps in [0, 1], compared at 0.5. Over the reference's components of at least
    ``min_share`` of the largest one's area, the pixels ``other`` drops from components it
    keeps at least 5% of, divided by those components' area. A component dropped whole (a
    clutter blob, a shadow) is not counted: removing clutter is what refinement is for, while
    carving a kept subject (a teddy bear losing its jumper, a bonsai its foliage) is the
    failure this measures.
    """
    ref = (reference > 0.5).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ref, connectivity=8)
    if n <= 1:
        return 0.0
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    kept = np.bincount(labels[other > 0.5], minlength=n)[1:].astype(np.float64)
    partial = (areas >= min_share * areas.max()) & (kept >= 0.05 * areas)
    if not partial.any():
        return 0.0
    return float((areas - kept)[partial].sum() / areas[partial].sum())


def expand_box(box: Box, margin: float, width: int, height: int, min_pad: int = 8) -> Box:
    """``box`` grown by ``margin`` of its longer side on every side, clipped to the frame."""
    x0, y0, x1, y1 = box
    pad = max(min_pad, int(round(margin * max(x1 - x0, y1 - y0))))
    return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def box_area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


# -- edges ----------------------------------------------------------------------------------


def feather(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """A light Gaussian softening of the edge (anti-aliasing a hard mask)."""
    if sigma <= 0:
        return alpha
    return cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), sigma)


def uncertain_band(prob: np.ndarray, width: int, lo: float = 0.05, hi: float = 0.95) -> np.ndarray:
    """Pixels within ``width`` px of the 0.5 contour, plus those the model is unsure about."""
    hard = (prob > 0.5).astype(np.uint8)
    # OpenCV's elliptical dilate/erode, exactly, ~2.5x faster at this kernel size (morph.py).
    band = dilate_ellipse(hard, width) != erode_ellipse(hard, width)
    return band | ((prob > lo) & (prob < hi))


def guided_feather(
    photo: np.ndarray,
    prob: np.ndarray,
    radius: int = 8,
    eps: float = 1e-4,
    scale: int = 2,
    band: int = 0,
) -> np.ndarray:
    """Edge-aware feathering: the map's edges snapped onto the photo's colour edges.

    Only the box around the uncertain band is filtered (the rest of the map is already 0 or
    1), and with ``band`` > 0 only pixels within ``band`` px of the edge may change.
    """
    out = prob.astype(np.float32).copy()
    region = uncertain_band(prob, max(band, radius))
    roi = mask_box(region)
    if roi is None:
        return np.clip(out, 0.0, 1.0)
    h, w = prob.shape
    x0, y0, x1, y1 = expand_box(roi, 0.0, w, h, min_pad=2 * radius)
    sub = fast_guided_filter(photo[y0:y1, x0:x1], prob[y0:y1, x0:x1], radius, eps, scale=scale)
    sub = np.clip(sub, 0.0, 1.0)
    if band > 0:
        keep = uncertain_band(prob[y0:y1, x0:x1], band)
        sub = np.where(keep, sub, out[y0:y1, x0:x1])
    out[y0:y1, x0:x1] = sub
    return out


def grabcut(
    photo: np.ndarray, prob: np.ndarray, side: int = 320, iterations: int = 3
) -> np.ndarray:
    """GrabCut seeded by the model's map, at ``side`` px: colour models may pull in a part
    the model missed or push out a shadow it took. Returns a {0, 1} float map at full size.
    """
    h, w = prob.shape
    scale = min(1.0, side / max(h, w))
    size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
    img = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    p = cv2.resize(prob.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    mask = np.where(p > 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    sure = cv2.erode((p > 0.95).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    mask[sure] = cv2.GC_FGD
    mask[p < 0.02] = cv2.GC_BGD
    if not (mask == cv2.GC_FGD).any() or not (mask == cv2.GC_BGD).any():
        return (prob > 0.5).astype(np.float32)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    # GrabCut seeds its colour models with k-means from OpenCV's random generator: fixed
    # here, so the same photo always gets the same cut-out (and evaluations repeat).
    cv2.setRNGSeed(0)
    cv2.grabCut(img, mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.float32)
    return cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR)


def sharpen(alpha: np.ndarray, gain: float) -> np.ndarray:
    """Steepen a soft ramp around 0.5 (``gain`` 1 = unchanged): tames over-blurred edges."""
    if gain == 1.0:
        return alpha
    return np.clip((alpha - 0.5) * gain + 0.5, 0.0, 1.0).astype(np.float32)


def tighten_halo(
    photo: np.ndarray,
    alpha: np.ndarray,
    models: ColourModels,
    near: float = 1.5,
    reach: int = 12,
    level: float = 0.5,
) -> np.ndarray:
    """No ring of background outside the edge: partial alpha outside the cut line is scaled
    by how product-like its colour is, and cleared beyond ``reach`` px.

    Within ``near`` px of the cut line the ramp is the edge's own anti-aliasing and stays;
    farther out a pixel whose colour the background model explains keeps no alpha (the guided
    filter's spill on a textured surface, a shadow's fringe), while fur or a product-coloured
    wisp keeps its share.
    """
    soft = (alpha > 0.0) & (alpha <= level)
    roi = mask_box(soft)
    if roi is None:
        return alpha
    h, w = alpha.shape
    x0, y0, x1, y1 = expand_box(roi, 0.0, w, h, min_pad=2)
    a = alpha[y0:y1, x0:x1]
    outside = (a <= level).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 3)
    product = models.foreground_posterior(quantise(photo[y0:y1, x0:x1]))
    keep = np.clip((product - 0.25) / 0.5, 0.0, 1.0)
    factor = np.where(dist <= near, 1.0, np.where(dist > reach, 0.0, keep))
    out = alpha.copy()
    out[y0:y1, x0:x1] = np.where(outside > 0, a * factor, a).astype(np.float32)
    return out


def recentre(prob: np.ndarray, level: float) -> np.ndarray:
    """Piecewise-linear remap sending ``level`` to 0.5 (0 and 1 stay): moves the cut line."""
    if level == 0.5:
        return prob
    p = prob.astype(np.float32)
    out = np.where(p < level, 0.5 * p / level, 0.5 + 0.5 * (p - level) / (1.0 - level))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# -- clean-up -------------------------------------------------------------------------------


def remove_specks(alpha: np.ndarray, min_share: float = 0.01, level: float = 0.5) -> np.ndarray:
    """Zero opaque islands smaller than ``min_share`` of the largest one (dust, texture)."""
    mask = (alpha > level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 2:
        return alpha
    areas = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(areas < min_share * areas.max()) + 1
    if small.size == 0:
        return alpha
    # Grow the dropped islands a little so their soft rims go with them.
    drop = cv2.dilate(np.isin(labels, small).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    drop &= ~cv2.dilate(
        np.isin(labels, np.setdiff1d(np.arange(1, n), small)).astype(np.uint8),
        np.ones((5, 5), np.uint8),
    ).astype(bool)
    out = alpha.copy()
    out[drop] = 0.0
    return out


def fill_holes(
    alpha: np.ndarray,
    prob: np.ndarray,
    max_share: float = 0.002,
    unsure: float = 0.2,
    level: float = 0.5,
) -> np.ndarray:
    """Fill small holes the model was unsure about; keep real ones (a ring, a mug handle).

    A hole is filled only when it is smaller than ``max_share`` of the object's area AND the
    model's mean probability inside it is above ``unsure`` (a real opening reads ~0).
    """
    fg = (alpha > level).astype(np.uint8)
    holes = (1 - fg).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    if n <= 2:
        return alpha
    h, w = alpha.shape
    area_fg = max(1, int(fg.sum()))
    out = alpha.copy()
    for lab in range(1, n):
        x, y, bw, bh, area = stats[lab]
        if x == 0 or y == 0 or x + bw == w or y + bh == h:
            continue  # touches the frame: background, not a hole
        if area > max_share * area_fg:
            continue
        sel = labels[y : y + bh, x : x + bw] == lab
        if float(prob[y : y + bh, x : x + bw][sel].mean()) < unsure:
            continue
        out[y : y + bh, x : x + bw][sel] = 1.0
    return out


# -- colour ---------------------------------------------------------------------------------


def _fusion(
    img: np.ndarray, fg: np.ndarray, bg: np.ndarray, a: np.ndarray, r: int, scale: int
) -> tuple[np.ndarray, np.ndarray]:
    """Blurred foreground and background colour estimates (full-size), blur width ``r``."""
    h, w = a.shape
    if scale > 1:
        size = (max(1, w // scale), max(1, h // scale))
        fg, bg, a = (cv2.resize(x, size, interpolation=cv2.INTER_AREA) for x in (fg, bg, a))
        r = max(3, r // scale)
    a3 = a[..., None]
    k = (r, r)
    blur_a = cv2.blur(a, k)[..., None]
    blur_f = cv2.blur(fg * a3, k) / (blur_a + 1e-5)
    blur_b = cv2.blur(bg * (1.0 - a3), k) / (1.0 - blur_a + 1e-5)
    if scale > 1:
        blur_f = cv2.resize(blur_f, (w, h), interpolation=cv2.INTER_LINEAR)
        blur_b = cv2.resize(blur_b, (w, h), interpolation=cv2.INTER_LINEAR)
    return blur_f, blur_b


def decontaminate(
    photo: np.ndarray, alpha: np.ndarray, radii: tuple[int, ...] = (91, 7)
) -> np.ndarray:
    """Foreground colours with the old background's spill removed where alpha is partial.

    Blur-fusion (Germer et al. 2021, "Fast multi-level foreground estimation"): box-blur
    passes, linear time, the wide one at reduced size, the update computed only where alpha
    is partial; opaque and fully transparent pixels keep the photo's colours.
    """
    edge = (alpha > 0.01) & (alpha < 0.99)
    roi = mask_box(edge)
    out = photo.copy()
    if roi is None:
        return out
    h, w = alpha.shape
    x0, y0, x1, y1 = expand_box(roi, 0.0, w, h, min_pad=max(radii))
    img = photo[y0:y1, x0:x1].astype(np.float32) / 255.0
    a = np.ascontiguousarray(alpha[y0:y1, x0:x1], dtype=np.float32)
    idx = np.flatnonzero(edge[y0:y1, x0:x1])
    img_s = img.reshape(-1, 3)[idx]
    a_s = a.reshape(-1)[idx][:, None]
    fg, bg = img, img
    f_s = img_s
    for r in radii:
        blur_f, blur_b = _fusion(img, fg, bg, a, r, scale=4 if r > 30 else 1)
        bf_s, bb_s = blur_f.reshape(-1, 3)[idx], blur_b.reshape(-1, 3)[idx]
        f_s = np.clip(bf_s + a_s * (img_s - a_s * bf_s - (1.0 - a_s) * bb_s), 0.0, 1.0)
        fg, bg = img.copy(), img.copy()
        fg.reshape(-1, 3)[idx] = f_s
        bg.reshape(-1, 3)[idx] = np.clip(bb_s, 0.0, 1.0)
    sub = out[y0:y1, x0:x1].reshape(-1, 3)
    sub[idx] = np.clip(f_s * 255.0 + 0.5, 0, 255).astype(np.uint8)
    out[y0:y1, x0:x1] = sub.reshape(y1 - y0, x1 - x0, 3)
    return out
