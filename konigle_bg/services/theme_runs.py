"""Store-wide theme switches (ThemeRun): start, fan out in batches, count, finish, cancel."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from .. import events, host, queue
from ..conf import bg_settings
from ..errors import gettext_noop
from ..models import (
    BackgroundTheme,
    Cutout,
    JobStatus,
    PhotoState,
    ThemeRun,
    ThemeRunItem,
    Variant,
)
from .cutouts import cached_cutout, ensure_cutout
from .files import SourceUnavailable, source_checksum
from .photo_state import set_photo_state
from .queueing import queue_photo
from .retention import delete_orphans_of
from .rows import get_or_create_row
from .themes import ThemeError
from .timing import timed
from .variants import activate, ensure_variant

log = logging.getLogger("konigle_bg")


# A store-wide switch fans out as small batches of photos (tasks.theme_run_batch), so several
# workers share it. Counters move with F() updates; whichever batch brings
# done + failed + skipped up to total completes the run with one conditional UPDATE, and for
# "at_end" activation flips every variant of the run inside that same transaction, so the
# storefront never shows two themes mixed.


class ThemeRunError(ThemeError):
    """A switch that cannot start; the message is for the owner."""

    default_code = "invalid_theme_run"
    default_field = "theme"


class ThemeRunConflict(ThemeRunError):
    """Another switch of the store is still open."""

    kind = "conflict"
    default_code = "theme_run_open"
    default_field = None


def _leave_alone(image: Model, state: PhotoState | None, run: ThemeRun) -> str:
    """Why a run leaves this photo as it is ("" = render it)."""
    if not host.product_is_published(host.image_product(image)):
        return "The product is not published."
    if state is not None and state.reverted and not run.include_reverted:
        return "The owner reverted this photo to its original."
    if state is not None and state.theme_override_id and state.theme_override_id != run.theme_id:
        return "This product uses its own theme."
    # A held result is never shown by a switch: a held photo that shows its original keeps it
    # (accepting the result later renders it on the theme of the day); one that shows an
    # earlier result has that result switched (_theme_photo), and its held one still waits.
    if state is not None and state.held_variant_id and _shown_cutout(image) is None:
        return "A result waits for the seller; the original stays until they accept it."
    return ""


def _shown_cutout(image: Model) -> Cutout | None:
    """The cut-out of what the photo shows now (any version of its file), if any."""
    return (
        Cutout.objects.filter(variants__image=image, variants__is_active=True)
        .exclude(rgba="")
        .first()
    )


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
        raise ThemeRunError(gettext_noop("This theme belongs to another store."))
    if activation not in ThemeRun.Activation.values:
        raise ThemeRunError(
            (
                gettext_noop("Unknown activation %(given)r: use one of %(known)s."),
                {"given": activation, "known": ", ".join(ThemeRun.Activation)},
            )
        )
    try:
        theme.get_theme()
    except ValueError as exc:
        raise ThemeRunError(
            (gettext_noop("The theme %(name)r is not valid: %(reason)s"),
             {"name": theme.name, "reason": str(exc)}),
        ) from exc  # fmt: skip
    if theme.get_theme().needs_image and not theme.background_image:
        raise ThemeRunError(
            (gettext_noop("The theme %(name)r needs a background image."), {"name": theme.name})
        )

    images = list(host.store_images(store).select_related(bg_settings.PRODUCT_FIELD).order_by("pk"))
    # A subquery, not a list: no bound-parameter limit on stores with many photos.
    states = {s.image_id: s for s in PhotoState.objects.filter(image__in=host.store_images(store))}
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
                finish_theme_run(run.pk)
            else:
                size = bg_settings.THEME_RUN_BATCH
                for i in range(0, len(todo), size):
                    queue.enqueue("theme_run_batch", run.pk, todo[i : i + size])
    except IntegrityError as exc:
        raise ThemeRunConflict(
            gettext_noop(
                "A theme switch is already running for this store: wait for it or cancel it."
            )
        ) from exc
    run.refresh_from_db()
    log.info("theme run %s: %s photos to %s (%s)", run.pk, len(images), theme, activation)
    return run


def cancel_theme_run(run: ThemeRun) -> bool:
    """Stop an open run: batches still queued do nothing, and for "at_end" nothing is flipped.

    Photos already switched by a "progressive" run keep their new look. Returns whether the run
    was still open.
    """
    n = (
        ThemeRun.objects.open()
        .filter(pk=run.pk)
        .update(cancel_requested=True, state=ThemeRun.State.CANCELLED, finished=timezone.now())
    )
    run.refresh_from_db()
    if n:
        events.theme_run_finished_on_commit(run, ThemeRun.State.CANCELLED)
    return bool(n)


def _accepts_work(run_id: int) -> bool:
    """Running and not cancelled: a batch renders its next photo only then."""
    return ThemeRun.objects.filter(
        pk=run_id, state=ThemeRun.State.RUNNING, cancel_requested=False
    ).exists()


def run_theme_batch(run_id: int, image_ids: list[int]) -> dict[str, float]:
    """Render some photos of a run; failures are counted, never raised to the worker."""
    run = ThemeRun.objects.select_related("theme").filter(pk=run_id).first()
    counts = {"done": 0, "failed": 0, "skipped": 0}
    if run is None or run.state != ThemeRun.State.RUNNING or run.cancel_requested:
        return counts
    # Timings ride along in the task result (django-q2 keeps it): the benchmark reads them.
    with timed(counts):
        _run_batch(run, run_id, image_ids, counts)
    return counts


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
        if not _accepts_work(run_id):
            break
        outcome = _theme_photo(run, theme, images.get(image_id), states.get(image_id))
        recorded = _count(run_id, image_id, outcome)
        if recorded:
            counts[recorded] += 1
    finish_theme_run(run_id)


def _count(run_id: int, image_id: int, outcome: str) -> str | None:
    """Count one photo's outcome in the run, once (a unique row per run and photo); returns
    the outcome counted, None when it was counted before."""
    try:
        with transaction.atomic():
            _, created = get_or_create_row(
                ThemeRunItem, run_id=run_id, image_id=image_id, defaults={"outcome": outcome}
            )
            if created:
                ThemeRun.objects.filter(pk=run_id).update(**{outcome: F(outcome) + 1})
    except IntegrityError:
        # The photo was deleted during the run: no row to key its count by. Counted skipped,
        # so the run still ends (a retried batch may count it twice: the run ends all the same).
        ThemeRun.objects.filter(pk=run_id).update(skipped=F("skipped") + 1)
        return "skipped"
    return outcome if created else None


def _theme_photo(
    run: ThemeRun, theme: BackgroundTheme, image: Model | None, state: PhotoState | None
) -> str:
    if image is None or _leave_alone(image, state, run):
        return "skipped"
    try:
        checksum = source_checksum(image)
        if state is not None and state.held_variant_id:
            cut = _shown_cutout(image)  # what it shows gets the new theme; the held one waits
        else:
            cut = cached_cutout(image, checksum) or ensure_cutout(
                image,
                prompt=state.prompt if state else "",
                box=state.box if state else None,
                checksum=checksum,
            )
        variant = ensure_variant(image, cut, theme, theme_run=run)
    except SourceUnavailable as exc:
        log.warning("theme run %s, image %s: %s", run.pk, image.pk, exc)
        set_photo_state(image, status=JobStatus.FAILED, error=str(exc))
        return "failed"
    except Exception as exc:  # one broken photo never stops the others
        if not type(image)._default_manager.filter(pk=image.pk).exists():
            log.info("theme run %s, image %s: deleted during the run", run.pk, image.pk)
            delete_orphans_of(image)  # what this run wrote for it after the delete
            return "skipped"
        log.exception("theme run %s, image %s failed", run.pk, image.pk)
        set_photo_state(image, status=JobStatus.FAILED, error=f"Rendering failed: {exc}")
        return "failed"
    # The variant may predate this run (an earlier, partly failed run): claim it so the
    # final flip finds it.
    if variant.theme_run_id != run.pk:
        Variant.objects.filter(pk=variant.pk).update(theme_run=run)
    if run.activation == ThemeRun.Activation.PROGRESSIVE:
        with transaction.atomic():
            if _accepts_work(run.pk):
                activate(variant, reason=events.SWITCHED)
    return "done"


def finish_theme_run(run_id: int) -> bool:
    """Complete the run if every photo is counted; only one caller ever wins (returns True)."""
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
    stale = (
        Variant.objects.filter(is_active=True, image__in=host.store_images(run.store_id))
        .exclude(theme_id=run.theme_id)
        .exclude(image__bg_state__theme_override__isnull=False)
        .values_list("image_id", flat=True)
    )
    for image_id in list(stale):
        queue_photo(image_id)


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
