"""What a photo shows and where it stands: the read model every page, the API, the admin and
the storefront share, so "the URL to show", "needs review", "held" and the seller-facing label
are each decided once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, Prefetch
from django.utils.translation import gettext
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
# What the read model needs of a variant beyond its row (one join each, never a query a row).
VARIANT_RELATED = ("theme", "cutout")


def _url(f) -> str:
    return f.url if f else ""


@dataclass(frozen=True)
class PhotoStatus:
    """One photo with its state (None: never processed), its active variant (None: the
    original is shown) and its held variant (a result waiting for the seller, not shown)."""

    image: Model
    state: PhotoState | None = None
    active: Variant | None = None
    held: Variant | None = None

    @property
    def status(self) -> str:
        return self.state.status if self.state else ""

    @property
    def error(self) -> str:
        return self.state.error if self.state else ""

    @property
    def confidence(self) -> float | None:
        """The latest result's confidence (the held one's while a result is held)."""
        return self.state.confidence if self.state else None

    @property
    def confidence_pct(self) -> int | None:
        return None if self.confidence is None else round(100 * self.confidence)

    @property
    def reverted(self) -> bool:
        return bool(self.state and self.state.reverted)

    @property
    def is_held(self) -> bool:
        """A result waits for the seller: made, not shown (see ``HOLD_THRESHOLD``)."""
        return self.held is not None

    @property
    def needs_review(self) -> bool:
        return self.state is not None and needs_review(self.status, self.confidence, self.is_held)

    @property
    def label(self) -> str:
        """The status in the seller's words."""
        if not self.status:
            return str(_("Not processed"))
        if self.status in WORKING:
            return str(STATUS_LABELS[self.status])
        if self.is_held:
            return str(_("Held for review"))
        if self.reverted:
            return str(_("Original (reverted)"))
        return str(STATUS_LABELS.get(self.status, self.status))

    # ---------------------------------------------------------------- what is shown

    @property
    def original_file(self):
        return host.image_file(self.image)

    @property
    def original_url(self) -> str:
        return _url(self.original_file)

    @property
    def shown_file(self):
        """What the storefront shows: the active variant's file, else the original."""
        return self.active.file if self.active else self.original_file

    @property
    def display_url(self) -> str:
        return _url(self.shown_file)

    @property
    def theme_name(self) -> str:
        """The theme of what is shown ("" for the original)."""
        return self.active.theme.name if self.active and self.active.theme else ""

    # ---------------------------------------------------------------- the held result

    @property
    def pending_file(self):
        """The held result's file (None when nothing is held)."""
        return self.held.file if self.held else None

    @property
    def pending_url(self) -> str:
        return _url(self.pending_file)

    @property
    def pending_confidence(self) -> float | None:
        cut = self.held.cutout if self.held else None
        return cut.confidence if cut else None

    # ---------------------------------------------------------------- how it was made

    @property
    def made_by(self) -> str:
        """The segmentation model that made the latest result (the held one, else the one
        shown), e.g. "u2netp"; with the cascade, the model whose result it kept, and
        "isnet (second opinion)" when that was the larger model; "" for none."""
        variant = self.held or self.active
        cut = variant.cutout if variant else None
        if cut is None:
            return ""
        key = cut.segmenter
        cascade = (cut.details or {}).get("cascade") or {}
        kept = cascade.get(cascade.get("kept") or "")  # the cascade's record of the one kept
        if isinstance(kept, dict) and kept.get("segmenter"):
            key = kept["segmenter"]
        name = key.split("@")[0]  # the model's name, without its revision
        if cascade.get("kept") == "large":
            return gettext("%(model)s (second opinion)") % {"model": name}
        return name

    @property
    def prompt(self) -> str:
        """The remembered re-prompt ("" for none)."""
        return self.state.prompt if self.state else ""

    @property
    def box(self) -> list[int] | None:
        """The remembered box, if any."""
        return self.state.box if self.state else None

    # ---------------------------------------------------------------- its product

    @property
    def product(self) -> Model:
        return host.image_product(self.image)

    @property
    def product_title(self) -> str:
        return host.product_title(self.product)


def photo_statuses(images: Iterable[Model]) -> list[PhotoStatus]:
    """:class:`PhotoStatus` of each of ``images``, in their order, in two queries."""
    images = list(images)
    states = {
        s.image_id: s
        for s in PhotoState.objects.filter(image__in=images).select_related(
            *(f"held_variant__{r}" for r in VARIANT_RELATED)
        )
    }
    active = {
        v.image_id: v
        for v in Variant.objects.filter(image__in=images, is_active=True).select_related(
            *VARIANT_RELATED
        )
    }
    return [_status(img, states.get(img.pk), active.get(img.pk)) for img in images]


def _status(image: Model, state: PhotoState | None, active: Variant | None) -> PhotoStatus:
    held = state.held_variant if state is not None and state.held_variant_id else None
    return PhotoStatus(image, state, active, held)


def photo_status(image: Model) -> PhotoStatus:
    """:class:`PhotoStatus` of one photo; uses ``image.bg_state`` (with its held variant) and
    a prefetched ``active_variants`` list when the queryset brought them (the API's lists
    do: :func:`status_prefetch`)."""
    try:
        state = image.bg_state
    except PhotoState.DoesNotExist:
        state = None
    active = getattr(image, "active_variants", None)
    if active is None:
        active = list(
            Variant.objects.filter(image=image, is_active=True).select_related(*VARIANT_RELATED)
        )
        image.active_variants = active  # as the prefetch would: asked again, no new query
    return _status(image, state, active[0] if active else None)


def status_related() -> list[str]:
    """``select_related`` paths a host image queryset needs for :func:`photo_status`."""
    return ["bg_state", *(f"bg_state__held_variant__{r}" for r in VARIANT_RELATED)]


def active_variants_prefetch() -> Prefetch:
    """The ``Prefetch`` of each photo's active variant for :func:`photo_status`."""
    return Prefetch(
        "bg_variants",
        queryset=Variant.objects.filter(is_active=True).select_related(*VARIANT_RELATED),
        to_attr="active_variants",
    )


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
