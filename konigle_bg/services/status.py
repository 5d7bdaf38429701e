"""What a photo shows and where it stands: the read model every page, the API, the admin and
the storefront share, so "the URL to show" and "needs review" are each decided once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from .. import host
from ..models import JobStatus, PhotoState, Variant, needs_review

# Seller-facing words for a photo's status.
STATUS_LABELS = {
    JobStatus.PENDING: _("Queued"),
    JobStatus.RUNNING: _("Processing…"),
    JobStatus.DONE: _("Done"),
    JobStatus.FAILED: _("Failed"),
}
WORKING = (JobStatus.PENDING, JobStatus.RUNNING)


@dataclass(frozen=True)
class PhotoStatus:
    """One photo with its state (None: never processed) and its active variant (None: the
    original is shown)."""

    image: Model
    state: PhotoState | None = None
    active: Variant | None = None

    @property
    def status(self) -> str:
        return self.state.status if self.state else ""

    @property
    def error(self) -> str:
        return self.state.error if self.state else ""

    @property
    def confidence(self) -> float | None:
        return self.state.confidence if self.state else None

    @property
    def reverted(self) -> bool:
        return bool(self.state and self.state.reverted)

    @property
    def needs_review(self) -> bool:
        return self.state is not None and needs_review(self.status, self.confidence)

    @property
    def label(self) -> str:
        """The status in the seller's words."""
        if not self.status:
            return str(_("Not processed"))
        if self.reverted and self.status not in WORKING:
            return str(_("Original (reverted)"))
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def original_file(self):
        return host.image_file(self.image)

    @property
    def shown_file(self):
        """What the storefront shows: the active variant's file, else the original."""
        return self.active.file if self.active else self.original_file

    @property
    def display_url(self) -> str:
        f = self.shown_file
        return f.url if f else ""

    @property
    def theme_name(self) -> str:
        """The theme of what is shown ("" for the original)."""
        return self.active.theme.name if self.active and self.active.theme else ""


def photo_statuses(images: Iterable[Model]) -> list[PhotoStatus]:
    """:class:`PhotoStatus` of each of ``images``, in their order, in two queries."""
    images = list(images)
    states = {s.image_id: s for s in PhotoState.objects.filter(image__in=images)}
    active = {
        v.image_id: v
        for v in Variant.objects.filter(image__in=images, is_active=True).select_related("theme")
    }
    return [PhotoStatus(img, states.get(img.pk), active.get(img.pk)) for img in images]


def photo_status(image: Model) -> PhotoStatus:
    """:class:`PhotoStatus` of one photo; uses ``image.bg_state`` and a prefetched
    ``active_variants`` list when the queryset brought them (the API's lists do)."""
    try:
        state = image.bg_state
    except PhotoState.DoesNotExist:
        state = None
    active = getattr(image, "active_variants", None)
    if active is None:
        active = list(Variant.objects.filter(image=image, is_active=True).select_related("theme"))
        image.active_variants = active  # as the prefetch would: asked again, no new query
    return PhotoStatus(image, state, active[0] if active else None)


def display_url(image: Model) -> str:
    """URL to show for a photo: its active variant's, else the original's."""
    variant = Variant.objects.filter(image=image, is_active=True).only("file").first()
    return PhotoStatus(image, active=variant).display_url


def display_urls(images: Iterable[Model]) -> dict:
    """``display_url`` for many photos in one query (storefront listings), keyed by image id."""
    images = list(images)
    active = {
        v.image_id: v
        for v in Variant.objects.filter(image__in=images, is_active=True).only("image", "file")
    }
    return {img.pk: PhotoStatus(img, active=active.get(img.pk)).display_url for img in images}
