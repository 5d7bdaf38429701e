"""Store-wide theme switches (ThemeRun), previews and per-product themes."""

from __future__ import annotations

import logging
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone
from PIL import Image

from .. import events, host
from ..conf import bg_settings
from ..imaging import compose
from ..imaging.io import encode
from ..models import (
    BackgroundTheme,
    Cutout,
    JobStatus,
    PhotoState,
    ThemeRun,
    ThemeRunItem,
    Variant,
)
from .cutouts import _get_or_create, ensure_cutout, load_cutout
from .files import SourceUnavailable, source_checksum
from .processing import _mark
from .variants import _background_image, activate, ensure_variant, preset_theme

log = logging.getLogger("konigle_bg")


# A store-wide switch fans out as small batches of photos (tasks.theme_run_batch), so several
# workers share it. Counters move with F() updates; whichever batch brings
# done + failed + skipped up to total completes the run with one conditional UPDATE, and for
# "at_end" activation flips every variant of the run inside that same transaction, so the
# storefront never shows two themes mixed.


class ThemeRunError(ValueError):
    """A switch that cannot start; the message is for the owner."""


class ThemeRunConflict(ThemeRunError):
    """Another switch of the store is still open."""


def _store_images(store: Model):
    return host.image_model().objects.filter(**{host.image_store_lookup(): store})


def _leave_alone(image: Model, state: PhotoState | None, run: ThemeRun) -> str:
    """Why a run leaves this photo as it is ("" = render it)."""
    if not host.product_is_published(host.image_product(image)):
        return "The product is not published."
    if state is not None and state.reverted and not run.include_reverted:
        return "The owner reverted this photo to its original."
    if state is not None and state.theme_override_id and state.theme_override_id != run.theme_id:
        return "This product uses its own theme."
    return ""


def start_theme_run(
    store: Model,
    theme: BackgroundTheme,
    user=None,
    activation: str = "at_end",
    include_reverted: bool = False,
) -> ThemeRun:
    """Switch every photo of ``store`` to ``theme`` in the background; returns the run.

    Raises :class:`ThemeRunError` for a theme of another store, an unknown activation, or
    while another switch of the store is still open.
    """
    if theme.store_id != store.pk:
        raise ThemeRunError("This theme belongs to another store.")
    if activation not in ThemeRun.Activation.values:
        raise ThemeRunError(
            f"Unknown activation {activation!r}: use one of {', '.join(ThemeRun.Activation)}."
        )
    try:
        theme.get_theme()
    except ValueError as exc:
        raise ThemeRunError(f"The theme {theme.name!r} is not valid: {exc}") from exc
    if theme.get_theme().needs_image and not theme.background_image:
        raise ThemeRunError(f"The theme {theme.name!r} needs a background image.")

    images = list(_store_images(store).select_related(bg_settings.PRODUCT_FIELD).order_by("pk"))
    # A subquery, not a list: no bound-parameter limit on stores with many photos.
    states = {s.image_id: s for s in PhotoState.objects.filter(image__in=_store_images(store))}
    try:
        with transaction.atomic():
            run = ThemeRun.objects.create(
                store=store,
                theme=theme,
                state=ThemeRun.State.RUNNING,
                activation=activation,
                include_reverted=include_reverted,
                total=len(images),
                started_by=user if getattr(user, "pk", None) else None,
            )
            todo = [i.pk for i in images if not _leave_alone(i, states.get(i.pk), run)]
            # Photos left alone are counted up front: no task needed for them.
            run.skipped = len(images) - len(todo)
            ThemeRun.objects.filter(pk=run.pk).update(skipped=run.skipped)
            if not todo:
                _finish_run(run.pk)
            else:
                from ..tasks import enqueue

                size = max(1, int(bg_settings.THEME_RUN_BATCH))
                for i in range(0, len(todo), size):
                    enqueue("konigle_bg.tasks.theme_run_batch", run.pk, todo[i : i + size])
    except IntegrityError as exc:
        raise ThemeRunConflict(
            "A theme switch is already running for this store: wait for it or cancel it."
        ) from exc
    run.refresh_from_db()
    log.info("theme run %s: %s photos to %s (%s)", run.pk, len(images), theme, activation)
    return run


def cancel_theme_run(run: ThemeRun) -> bool:
    """Stop an open run: batches still queued do nothing, and for "at_end" nothing is flipped.

    Photos already switched by a "progressive" run keep their new look. Returns whether the run
    was still open.
    """
    n = ThemeRun.objects.filter(
        pk=run.pk, state__in=[ThemeRun.State.PENDING, ThemeRun.State.RUNNING]
    ).update(cancel_requested=True, state=ThemeRun.State.CANCELLED, finished=timezone.now())
    run.refresh_from_db()
    if n:
        events.theme_run_finished_on_commit(run, ThemeRun.State.CANCELLED)
    return bool(n)


def _run_open(run_id: int) -> bool:
    return ThemeRun.objects.filter(
        pk=run_id, state=ThemeRun.State.RUNNING, cancel_requested=False
    ).exists()


def run_theme_batch(run_id: int, image_ids: list[int]) -> dict[str, float]:
    """Render some photos of a run; failures are counted, never raised to the worker."""
    run = ThemeRun.objects.select_related("theme").filter(pk=run_id).first()
    counts = {"done": 0, "failed": 0, "skipped": 0}
    if run is None or run.state != ThemeRun.State.RUNNING or run.cancel_requested:
        return counts
    wall, cpu = time.perf_counter(), time.process_time()
    db = _DbTimer()
    with connection.execute_wrapper(db):
        _run_batch(run, run_id, image_ids, counts)
    # Timings ride along in the task result (django-q2 keeps it): the benchmark reads them.
    counts["wall_ms"] = round((time.perf_counter() - wall) * 1000, 1)
    counts["cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)
    counts["db_ms"] = round(db.seconds * 1000, 1)
    return counts


class _DbTimer:
    """Time spent in database calls (lock waits included), for the batch timings."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t


def _run_batch(run: ThemeRun, run_id: int, image_ids: list[int], counts: dict) -> None:
    theme = run.theme
    images = {
        i.pk: i
        for i in host.image_model()
        .objects.select_related(bg_settings.PRODUCT_FIELD)
        .filter(pk__in=image_ids)
    }
    states = {s.image_id: s for s in PhotoState.objects.filter(image_id__in=image_ids)}
    # A batch retried after its worker died skips the photos it already counted, so the
    # counts stay exact and an "at_end" run never flips before every photo is rendered.
    counted = set(
        ThemeRunItem.objects.filter(run_id=run_id, image_id__in=image_ids).values_list(
            "image_id", flat=True
        )
    )
    for image_id in image_ids:
        if image_id in counted:
            continue
        # Checked before each render: a cancel stops the run within one photo.
        if not _run_open(run_id):
            break
        outcome = _theme_photo(run, theme, images.get(image_id), states.get(image_id))
        if _count(run_id, image_id, outcome):
            counts[outcome] += 1
    _finish_run(run_id)


def _count(run_id: int, image_id: int, outcome: str) -> bool:
    """Count one photo's outcome in the run, once (a unique row per run and photo)."""
    with transaction.atomic():
        _, created = _get_or_create(
            ThemeRunItem, run_id=run_id, image_id=image_id, defaults={"outcome": outcome}
        )
        if created:
            ThemeRun.objects.filter(pk=run_id).update(**{outcome: F(outcome) + 1})
    return created


def cached_cutout(image: Model, checksum: str) -> Cutout | None:
    """The finished cut-out of the photo's current file that a theme switch re-composites:
    the one the storefront shows now (it carries the owner's re-prompt), else the latest.

    Any spec will do, so an upgrade of the segmenter or the refinement (a new spec hash) never
    makes a theme switch segment the whole store again; and no model session is needed.
    """
    done = Cutout.objects.filter(image=image, source_checksum=checksum, status=JobStatus.DONE)
    done = done.exclude(rgba="")
    shown = done.filter(variants__is_active=True).first()
    return shown or done.order_by("-created", "-pk").first()


def _theme_photo(
    run: ThemeRun, theme: BackgroundTheme, image: Model | None, state: PhotoState | None
) -> str:
    if image is None or _leave_alone(image, state, run):
        return "skipped"
    try:
        checksum = source_checksum(image)
        cut = cached_cutout(image, checksum) or ensure_cutout(
            image,
            prompt=state.prompt if state else "",
            box=state.box if state else None,
            checksum=checksum,
        )
        variant = ensure_variant(image, cut, theme, theme_run=run)
    except SourceUnavailable as exc:
        log.warning("theme run %s, image %s: %s", run.pk, image.pk, exc)
        _mark(image, status=JobStatus.FAILED, error=str(exc))
        return "failed"
    except Exception as exc:  # one broken photo never stops the others
        log.exception("theme run %s, image %s failed", run.pk, image.pk)
        _mark(image, status=JobStatus.FAILED, error=f"Rendering failed: {exc}")
        return "failed"
    # The variant may predate this run (an earlier, partly failed run): claim it so the
    # final flip finds it.
    if variant.theme_run_id != run.pk:
        Variant.objects.filter(pk=variant.pk).update(theme_run=run)
    if run.activation == ThemeRun.Activation.PROGRESSIVE:
        with transaction.atomic():
            if _run_open(run.pk):
                activate(variant, reason=events.SWITCHED)
    return "done"


def _finish_run(run_id: int) -> bool:
    """Complete the run if every photo is counted; only one caller ever wins."""
    with transaction.atomic():
        won = (
            ThemeRun.objects.filter(pk=run_id, state=ThemeRun.State.RUNNING)
            .filter(total__lte=F("done") + F("failed") + F("skipped"))
            .update(state=ThemeRun.State.COMPLETED, finished=timezone.now())
        )
        if not won:
            return False
        run = ThemeRun.objects.select_related("theme").get(pk=run_id)
        if run.activation == ThemeRun.Activation.AT_END:
            _flip(run)
        # The store's theme changes now: photos published from here on get it.
        BackgroundTheme.objects.filter(store_id=run.store_id, is_active=True).exclude(
            pk=run.theme_id
        ).update(is_active=False)
        BackgroundTheme.objects.filter(pk=run.theme_id).update(is_active=True)
        _requeue_stragglers(run)
        events.theme_run_finished_on_commit(run, ThemeRun.State.COMPLETED)
    log.info("theme run %s completed", run_id)
    return True


def _requeue_stragglers(run: ThemeRun) -> None:
    """Render again the photos still shown on another theme once the run completes.

    A product published while the run went on was a draft when the run listed its photos, and
    its own job rendered it on the old theme: the switch, asked for before, must not leave it
    behind. Photos with their own theme, and reverted ones (nothing active), are left alone.
    """
    from ..tasks import enqueue_image

    stale = (
        Variant.objects.filter(
            is_active=True, **{f"image__{host.image_store_lookup()}": run.store_id}
        )
        .exclude(theme_id=run.theme_id)
        .exclude(image__bg_state__theme_override__isnull=False)
        .values_list("image_id", flat=True)
    )
    for image_id in list(stale):
        enqueue_image(image_id)


def _flip(run: ThemeRun) -> None:
    """Show every variant of the run at once (called inside the completing transaction)."""
    new = Variant.objects.filter(theme_run=run, status=JobStatus.DONE)
    if not run.include_reverted:
        # Reverted while the run was going: stays reverted.
        new = new.exclude(image__bg_state__reverted=True)
    image_ids = new.values("image_id")
    Variant.objects.filter(image_id__in=image_ids, is_active=True).exclude(theme_run=run).update(
        is_active=False
    )
    switched = list(new.filter(is_active=False).values_list("pk", flat=True))
    Variant.objects.filter(pk__in=switched).update(is_active=True, activated=timezone.now())
    events.photos_switched_on_commit(switched)
    PhotoState.objects.filter(image_id__in=image_ids).update(
        reverted=False, status=JobStatus.DONE, error=""
    )


def set_product_theme(product: Model, theme: BackgroundTheme | None) -> int:
    """Give a product its own theme (``None``: back to the store's); its photos re-render.

    Reverted photos keep showing their original. Returns the number of photos queued.
    """
    store = host.product_store(product)
    if theme is not None and theme.store_id != store.pk:
        raise ThemeRunError("This theme belongs to another store.")
    from ..tasks import enqueue_image

    images = list(host.product_images(product))
    for image in images:
        PhotoState.objects.update_or_create(image=image, defaults={"theme_override": theme})
    queued = 0
    if host.product_is_published(product):
        reverted = set(
            PhotoState.objects.filter(image__in=images, reverted=True).values_list(
                "image_id", flat=True
            )
        )
        for image in images:
            if image.pk not in reverted:
                enqueue_image(image.pk)
                queued += 1
    return queued


def preview_images(store: Model, limit: int = 6) -> list[Model]:
    """Up to ``limit`` photos of the store (one per product) that have a cut-out to preview."""
    seen, picked = set(), []
    cutouts = (
        Cutout.objects.filter(
            status=JobStatus.DONE, **{f"image__{host.image_store_lookup()}": store}
        )
        .exclude(rgba="")
        .select_related("image")
        .order_by("-created")[: limit * 20]
    )
    for cut in cutouts:
        product_id = getattr(cut.image, f"{bg_settings.PRODUCT_FIELD}_id")
        if product_id in seen:
            continue
        seen.add(product_id)
        picked.append(cut.image)
        if len(picked) == limit:
            break
    return picked


def render_preview(image: Model, theme: BackgroundTheme, size: int = 240) -> tuple[bytes, str]:
    """A thumbnail of ``image`` on ``theme`` from its cached cut-out; nothing is stored.

    Returns (bytes, content type). Raises ``Cutout.DoesNotExist`` when the photo has none.
    """
    cut = (
        Cutout.objects.filter(image=image, status=JobStatus.DONE).exclude(rgba="").latest("created")
    )
    spec = theme.get_theme()
    rgba = load_cutout(cut)
    # Themes are relative to the photo, so a small cut-out renders the same composition fast.
    rgba.thumbnail((2 * size, 2 * size), Image.LANCZOS)
    out = compose.render(rgba, spec, background_image=_background_image(theme))
    out.thumbnail((size, size), Image.LANCZOS)
    if spec.transparent:
        return encode(out, "PNG"), "image/png"
    return encode(out.convert("RGB"), "JPEG", 85), "image/jpeg"


def install_presets(store: Model, slugs: list[str] | None = None) -> list[BackgroundTheme]:
    """The shipped presets as the store's themes (existing ones are left as they are)."""
    slugs = list(compose.PRESETS) if slugs is None else slugs
    unknown = [s for s in slugs if s not in compose.PRESETS]
    if unknown:
        raise ThemeRunError(
            f"Unknown preset(s) {', '.join(unknown)}: use {', '.join(compose.PRESETS)}."
        )
    return [preset_theme(store, slug) for slug in slugs]
