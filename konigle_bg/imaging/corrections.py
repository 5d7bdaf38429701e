"""A seller's clicks and brush strokes -> a corrected full-resolution alpha. Pure.

``correct(photo, alpha, clicks, strokes)`` starts from the cut-out the seller saw (the
automatic one) and applies every click and stroke at once, so undo and redo are just a shorter
or longer list, and the same input always gives the same output.

Method (chosen on ../shared/eval with ``bg_eval --clicks``): at a working resolution, each
click grows a "magic wand" region from its pixel over similar colours among the pixels that
currently carry the wrong label, inside a window around the click; those become probable
foreground (or background), the click's own disc is hard; a GrabCut seeded by the current
cut-out then settles the labels, with everything outside the windows fixed. Only pixels whose
label changed (and a thin rim) take the new result, feathered at full resolution with the
automatic path's guided filter; the click discs and strokes are enforced last, so a positive
click's pixel always ends opaque and a negative one's transparent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from . import edge_snap, lookalike, refine

#: Bump whenever the engine's output changes; part of every corrected cut-out's cache key.
CORRECTIONS_REVISION = "3"


@dataclass(frozen=True)
class Click:
    x: float  # photo pixels (after EXIF orientation)
    y: float
    positive: bool = True
    # A remove-click that also clears every enclosed region like the clicked one
    # (imaging/lookalike.py): the whole mesh, both sides of a handle.
    all: bool = False


@dataclass(frozen=True)
class Stroke:
    points: tuple[tuple[float, float], ...]
    radius: float = 6.0  # photo pixels; an edge stroke's band half-width
    positive: bool = True
    # An edge stroke does not paint: it snaps the cut-out's edge to the photo's contour
    # within ``radius`` of its path (imaging/edge_snap.py); ``positive`` is ignored.
    edge: bool = False


@dataclass(frozen=True)
class CorrectionParams:
    work_side: int = 512  # longer side of the working resolution
    window: float = 0.3  # half-side of the window around a click, share of the longer side
    click_radius: float = 0.006  # hard disc under a click, share of the longer side
    wand_tol: float = 14.0  # colour tolerance of the magic wand (Lab units)
    zone: str = "wand"  # what GrabCut may relabel: "wand" (grown by reach) | "window"
    hard_core: float = 0.03  # radius (of the side) around a click where the wand is hard
    wand_steps: tuple[float, ...] = (1.0, 1.6, 2.5)  # tolerances tried while too small
    wand_max: float = 0.5  # a widened wand stops short of this share of the allowed pixels
    wand_blur: int = 3  # smoothing before the wand (work pixels), textures stay one region
    reach: float = 0.03  # how far GrabCut may move the edge around a wand region (of the side)
    context: float = 0.25  # colour context around the zone for GrabCut's models (of its box)
    iterations: int = 3  # GrabCut iterations
    sliver_share: float = 0.05  # of the largest piece: smaller new pieces with no click go
    rim: int = 3  # work pixels around a changed region that are re-feathered too
    guided_radius: float = 0.006  # of the longer side, at full resolution
    guided_eps: float = 1e-4

    def to_dict(self) -> dict:
        return asdict(self)


def parse_clicks(raw: Iterable[dict]) -> list[Click]:
    return [
        Click(
            float(c["x"]), float(c["y"]), bool(c.get("positive", True)), bool(c.get("all", False))
        )
        for c in raw
    ]


def parse_strokes(raw: Iterable[dict]) -> list[Stroke]:
    return [
        Stroke(
            tuple((float(p[0]), float(p[1])) for p in s["points"]),
            float(s.get("radius", 6.0)),
            bool(s.get("positive", True)),
            bool(s.get("edge", False)),
        )
        for s in raw
    ]


def _as_clicks(clicks) -> list[Click]:
    return [c if isinstance(c, Click) else parse_clicks([c])[0] for c in clicks or []]


def _as_strokes(strokes) -> list[Stroke]:
    return [s if isinstance(s, Stroke) else parse_strokes([s])[0] for s in strokes or []]


def _stroke_mask(shape: tuple[int, int], stroke: Stroke, scale: float, min_r: int = 1):
    mask = np.zeros(shape, np.uint8)
    r = max(min_r, int(round(stroke.radius * scale)))
    pts = [(int(round(x * scale)), int(round(y * scale))) for x, y in stroke.points]
    if len(pts) == 1:
        cv2.circle(mask, pts[0], r, 1, -1)
    for a, b in zip(pts, pts[1:], strict=False):
        cv2.line(mask, a, b, 1, thickness=2 * r + 1)
    return mask.astype(bool)


class Session:
    """One photo and the cut-out being corrected, prepared once for many clicks.

    The working-resolution copies (photo, its Lab smoothing, the base alpha) are what every
    click needs; a preview server keeps one Session per open photo.
    """

    def __init__(
        self, photo: np.ndarray, alpha: np.ndarray, params: CorrectionParams | None = None
    ) -> None:
        if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
            raise ValueError("photo must be uint8 (H, W, 3) RGB")
        if alpha.shape != photo.shape[:2]:
            raise ValueError(f"alpha {alpha.shape} does not match the photo {photo.shape[:2]}")
        self.params = params or CorrectionParams()
        self.photo = photo
        self.alpha = np.clip(alpha.astype(np.float32), 0.0, 1.0)
        h, w = alpha.shape
        self.scale = min(1.0, self.params.work_side / max(h, w))
        self.work_size = (max(8, int(round(w * self.scale))), max(8, int(round(h * self.scale))))
        self.work = cv2.resize(photo, self.work_size, interpolation=cv2.INTER_AREA)
        self.work_alpha = cv2.resize(self.alpha, self.work_size, interpolation=cv2.INTER_AREA)
        b = self.params.wand_blur
        smooth = cv2.GaussianBlur(self.work, (0, 0), b) if b > 0 else self.work
        self.lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB)
        # Lookalike holes can be a few working pixels wide: a lighter smoothing for them.
        self.lab_fine = cv2.cvtColor(cv2.GaussianBlur(self.work, (0, 0), 1), cv2.COLOR_RGB2LAB)

    # -- working resolution ----------------------------------------------------------------

    def _window(self, x: float, y: float) -> tuple[int, int, int, int]:
        ww, wh = self.work_size
        half = int(round(self.params.window * max(ww, wh)))
        cx, cy = int(round(x * self.scale)), int(round(y * self.scale))
        return max(0, cx - half), max(0, cy - half), min(ww, cx + half + 1), min(wh, cy + half + 1)

    def _wand(self, cx: int, cy: int, allowed: np.ndarray, positive: bool) -> np.ndarray:
        """Pixels reachable from (cx, cy) over ``allowed`` ones of colour close to the seed's.

        On texture (fur, foliage, print) the first tolerance grows almost nothing: it is
        widened step by step while the region stays under ``wand_max`` of the allowed area.
        A missed part is not the backdrop: an add-click's region that reaches the frame's
        edge from a click away from it has leaked into the background (a thin blade as light
        as the sweep behind it) and is not used; the click's disc still is.
        """
        h, w = allowed.shape
        if not allowed[cy, cx]:
            return np.zeros((h, w), bool)
        p = self.params
        side = max(h, w)
        enough = np.pi * (p.reach * side) ** 2
        cap = p.wand_max * max(1, int(allowed.sum()))
        inland = min(cx, cy, w - 1 - cx, h - 1 - cy) > p.reach * side
        best = np.zeros((h, w), bool)
        flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (2 << 8)
        for step in p.wand_steps:
            t = p.wand_tol * step
            block = np.ones((h + 2, w + 2), np.uint8)
            block[1:-1, 1:-1] = (~allowed).astype(np.uint8)
            cv2.floodFill(self.lab, block, (cx, cy), 0, (t, t, t), (t, t, t), flags)
            region = block[1:-1, 1:-1] == 2
            area = int(region.sum())
            if best.any() and area > cap:
                break
            if positive and inland and _touches_frame(region):
                break
            best = region
            if area >= enough:
                break
        return best

    def labels(self, clicks: Sequence[Click], strokes: Sequence[Stroke]):
        """GrabCut's label map and the zone it may change, at working resolution, for the
        clicks and brush strokes (edge strokes are snapped afterwards, ``_snap``).

        The zone is each click's wand region grown by ``reach`` (and each stroke's path grown
        the same way), inside the click's window: GrabCut settles the edge of what the click
        flips, and cannot touch the rest of a cut-out that was already right.
        """
        ww, wh = self.work_size
        side = max(ww, wh)
        p = self.params
        fg = self.work_alpha > 0.5
        mask = np.where(fg, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
        zone = np.zeros((wh, ww), bool)
        reach = max(1, int(round(p.reach * side)))
        grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
        r = max(1, int(round(p.click_radius * side)))
        flips: list[tuple[np.ndarray, bool]] = []
        cores: list[np.ndarray] = []
        for c in clicks:
            x0, y0, x1, y1 = self._window(c.x, c.y)
            window = np.zeros((wh, ww), bool)
            window[y0:y1, x0:x1] = True
            cx = min(ww - 1, max(0, int(round(c.x * self.scale))))
            cy = min(wh - 1, max(0, int(round(c.y * self.scale))))
            grown = self._wand(cx, cy, window & (~fg if c.positive else fg), c.positive)
            cv2.circle(grown.view(np.uint8), (cx, cy), r, 1, -1)
            if p.zone == "window":
                zone |= window
            else:
                zone |= (cv2.dilate(grown.astype(np.uint8), grow) > 0) & window
            flips.append((grown, c.positive))
            core = np.zeros((wh, ww), np.uint8)
            if p.hard_core > 0:
                cv2.circle(core, (cx, cy), max(1, int(round(p.hard_core * side))), 1, -1)
            cores.append(core > 0)
            if c.all and not c.positive:
                # The lookalikes lie anywhere in the cut-out, not only in the click's window;
                # each is taken as given (hard), GrabCut only settles their edges.
                like = lookalike.lookalikes(self.lab_fine, fg, grown & fg)
                zone |= cv2.dilate(like.astype(np.uint8), grow) > 0
                flips.append((like, False))
                cores.append(like)
        for s in strokes:
            sm = _stroke_mask((wh, ww), s, self.scale)
            zone |= cv2.dilate(sm.astype(np.uint8), grow) > 0
            flips.append((sm, s.positive))
            cores.append(sm)
        mask[zone & fg] = cv2.GC_PR_FGD
        mask[zone & ~fg] = cv2.GC_PR_BGD
        for (grown, positive), core in zip(flips, cores, strict=True):
            mask[grown & zone] = cv2.GC_PR_FGD if positive else cv2.GC_PR_BGD
            # Near the click the wand's region is taken as given, so GrabCut's colour models
            # cannot flip it back; farther out it may still correct a wand that leaked.
            mask[grown & zone & core] = cv2.GC_FGD if positive else cv2.GC_BGD
        for c in clicks:
            cx = min(ww - 1, max(0, int(round(c.x * self.scale))))
            cy = min(wh - 1, max(0, int(round(c.y * self.scale))))
            cv2.circle(mask, (cx, cy), r, int(cv2.GC_FGD if c.positive else cv2.GC_BGD), -1)
        for s in strokes:
            sm = _stroke_mask((wh, ww), s, self.scale)
            mask[sm] = cv2.GC_FGD if s.positive else cv2.GC_BGD
        return mask, zone

    def _cut(self, mask: np.ndarray, window: np.ndarray) -> np.ndarray:
        """GrabCut over the windows' box (context for the colour models included)."""
        box = refine.mask_box(window)
        if box is None:
            return self.work_alpha > 0.5
        ww, wh = self.work_size
        x0, y0, x1, y1 = refine.expand_box(box, self.params.context, ww, wh)
        sub = mask[y0:y1, x0:x1].copy()
        fg_any = np.isin(sub, (cv2.GC_FGD, cv2.GC_PR_FGD)).any()
        bg_any = np.isin(sub, (cv2.GC_BGD, cv2.GC_PR_BGD)).any()
        if fg_any and bg_any:
            bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
            # GrabCut draws random samples to start its colour models: fix the seed.
            cv2.setRNGSeed(0)
            try:
                cv2.grabCut(
                    np.ascontiguousarray(self.work[y0:y1, x0:x1]),
                    sub,
                    None,
                    bgd,
                    fgd,
                    self.params.iterations,
                    cv2.GC_INIT_WITH_MASK,
                )
            except cv2.error:
                pass  # a degenerate colour model (one flat colour): keep the labels as set
        out = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD))
        out[y0:y1, x0:x1] = np.isin(sub, (cv2.GC_FGD, cv2.GC_PR_FGD))
        return out

    def _drop_slivers(self, new: np.ndarray, zone: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Small opaque pieces left wholly inside the zone with no positive click in them
        (the blended rim of a removed note) go too."""
        n, labels, stats, _ = cv2.connectedComponentsWithStats(new.astype(np.uint8), 8)
        if n <= 2:
            return new
        areas = stats[1:, cv2.CC_STAT_AREA]
        small = np.flatnonzero(areas < self.params.sliver_share * areas.max()) + 1
        if small.size == 0:
            return new
        outside = np.bincount(labels[~zone], minlength=n)
        seeded = np.bincount(labels[mask == cv2.GC_FGD], minlength=n)
        drop = [lab for lab in small if outside[lab] == 0 and seeded[lab] == 0]
        if not drop:
            return new
        return new & ~np.isin(labels, drop)

    # -- full resolution --------------------------------------------------------------------

    def apply(self, clicks=(), strokes=()) -> np.ndarray:
        """The corrected alpha, float32 (H, W) in [0, 1], for all ``clicks`` and ``strokes``."""
        clicks, strokes = _as_clicks(clicks), _as_strokes(strokes)
        h, w = self.alpha.shape
        for c in clicks:
            if not (0 <= c.x < w and 0 <= c.y < h):
                raise ValueError(f"click ({c.x}, {c.y}) is outside the {w}x{h} photo")
        brush = [s for s in strokes if not s.edge]
        if not clicks and not brush:
            return self._snap(self.alpha.copy(), strokes)
        mask, window = self.labels(clicks, brush)
        new = self._drop_slivers(self._cut(mask, window), window, mask)
        old = self.work_alpha > 0.5
        changed = (new != old) & window
        out = self.alpha.copy()
        if changed.any():
            p = self.params
            k = np.ones((2 * p.rim + 1, 2 * p.rim + 1), np.uint8)
            zone = cv2.dilate(changed.astype(np.uint8), k) > 0
            zone_full = cv2.resize(zone.astype(np.uint8), (w, h), cv2.INTER_NEAREST) > 0
            new_full = refine.upsample(new.astype(np.float32), (w, h))
            box = refine.mask_box(zone_full)
            radius = max(2, int(round(p.guided_radius * max(h, w))))
            x0, y0, x1, y1 = refine.expand_box(box, 0.0, w, h, min_pad=2 * radius)
            prob = np.where(zone_full, new_full, self.alpha)[y0:y1, x0:x1]
            feathered = refine.guided_feather(
                self.photo[y0:y1, x0:x1], prob, radius=radius, eps=p.guided_eps, scale=2
            )
            # Soft values only along the new edge: inside a flipped region, all or nothing.
            hard = new_full[y0:y1, x0:x1] > 0.5
            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
            edge = (cv2.dilate(hard.astype(np.uint8), k) > 0) & (
                cv2.dilate((~hard).astype(np.uint8), k) > 0
            )
            feathered = np.where(edge, feathered, hard.astype(np.float32))
            sub = out[y0:y1, x0:x1]
            sel = zone_full[y0:y1, x0:x1]
            sub[sel] = feathered[sel]
            # The soft rim the old edge left around a removed region goes with it.
            removed = cv2.resize(
                (changed & ~new).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST
            )
            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (4 * radius + 1, 4 * radius + 1))
            halo = (cv2.dilate(removed, k) > 0) & (self.alpha < 0.5) & (new_full < 0.5)
            out[halo] = 0.0
        out = self._snap(out, strokes)
        self._enforce(out, clicks, brush)
        return np.clip(out, 0.0, 1.0).astype(np.float32)

    def _snap(self, out: np.ndarray, strokes: Sequence[Stroke]) -> np.ndarray:
        """Edge strokes, in order, on the cut-out the clicks and brush strokes made."""
        for s in strokes:
            if s.edge:
                out = edge_snap.snap(self.photo, out, s.points, s.radius)
        return out

    def _enforce(self, out: np.ndarray, clicks: Sequence[Click], strokes: Sequence[Stroke]):
        """The seller's own pixels win: a disc under each click, each stroke's path."""
        h, w = out.shape
        r = max(1, int(round(self.params.click_radius * max(h, w) * 0.5)))
        for c in clicks:
            disc = np.zeros((h, w), np.uint8)
            cv2.circle(disc, (int(c.x), int(c.y)), r, 1, -1)
            out[disc > 0] = 1.0 if c.positive else 0.0
        for s in strokes:
            out[_stroke_mask((h, w), s, 1.0)] = 1.0 if s.positive else 0.0


def _touches_frame(region: np.ndarray) -> bool:
    return bool(region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any())


def correct(
    photo: np.ndarray,
    alpha: np.ndarray,
    clicks: Sequence[Click | dict] = (),
    strokes: Sequence[Stroke | dict] = (),
    params: CorrectionParams | None = None,
) -> np.ndarray:
    """``alpha`` corrected by ``clicks`` and ``strokes`` (photo pixels); see the module doc."""
    return Session(photo, alpha, params).apply(clicks, strokes)
