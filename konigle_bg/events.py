"""Signals konigle_bg sends to the shop, always after the transaction commits.

``photo_changed``: the image a photo shows on the storefront changed; sent only then (a
result held for the seller, or one already shown, sends nothing). One per photo, with::

    sender   the host image model class
    image    the host photo (an instance of KONIGLE_BG["IMAGE_MODEL"])
    variant  the Variant shown now, or None when the original is shown again
    reason   "shown"     a processing job's result was shown
             "accepted"  the seller accepted a result that was held for them
             "activated" the owner chose a result from the history (review page, API, admin)
             "reverted"  the owner went back to the original
             "switched"  a store-wide theme run switched it

``photo_held``: a new result scored under ``KONIGLE_BG["HOLD_THRESHOLD"]`` and waits for the
seller; the storefront goes on showing what it showed. With ``sender`` the host image model
class, ``image``, ``variant`` (the held result, not shown) and ``confidence``: e.g. to e-mail
the seller a link to the review page.

``theme_run_finished``: a store-wide theme run ended, with ``sender`` ThemeRun, ``run`` and
``reason`` ("completed" or "cancelled"); the photos it switched each had ``photo_changed``.

Showing and reverting use ``QuerySet.update()``, so ``post_save`` never fires for them: connect
to these instead, e.g. to purge a CDN or refresh a search index::

    from konigle_bg.events import photo_changed

    @receiver(photo_changed)
    def purge(sender, image, variant, reason, **kwargs):
        cdn.purge(image.product.get_absolute_url())

Receivers run with ``send_robust``: one that raises is logged and never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger("konigle_bg")

photo_changed = Signal()
photo_held = Signal()
theme_run_finished = Signal()

SHOWN, ACCEPTED, ACTIVATED = "shown", "accepted", "activated"
REVERTED, SWITCHED = "reverted", "switched"
REASONS = (SHOWN, ACCEPTED, ACTIVATED, REVERTED, SWITCHED)


def _send(signal: Signal, sender, **kwargs) -> None:
    for receiver, result in signal.send_robust(sender, **kwargs):
        if isinstance(result, Exception):
            log.error("receiver %r of %s failed: %r", receiver, kwargs.get("reason"), result)


def photo_changed_on_commit(image, variant, reason: str) -> None:
    """Send ``photo_changed`` for one photo once the current transaction commits."""
    assert reason in REASONS, reason
    transaction.on_commit(
        lambda: _send(photo_changed, type(image), image=image, variant=variant, reason=reason)
    )


def photo_held_on_commit(image, variant, confidence: float | None) -> None:
    """Send ``photo_held`` for one photo once the current transaction commits."""
    transaction.on_commit(
        lambda: _send(photo_held, type(image), image=image, variant=variant, confidence=confidence)
    )


def photos_switched_on_commit(variant_ids: Iterable[int]) -> None:
    """``photo_changed`` ("switched") for each variant a theme run showed, after the commit."""
    ids = list(variant_ids)
    if not ids:
        return

    def send() -> None:
        from .models import Variant

        for variant in Variant.objects.filter(pk__in=ids).select_related("image"):
            _send(
                photo_changed,
                type(variant.image),
                image=variant.image,
                variant=variant,
                reason=SWITCHED,
            )

    transaction.on_commit(send)


def theme_run_finished_on_commit(run, reason: str) -> None:
    transaction.on_commit(lambda: _send(theme_run_finished, type(run), run=run, reason=reason))
