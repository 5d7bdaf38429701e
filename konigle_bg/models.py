"""Cut-outs, rendered variants, themes and store-wide theme runs.

Each derived image is a row keyed by a short hash of everything that shapes it (after
wagtail's renditions), unique in the database, so the same request never runs twice and two
workers racing on it end with one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from .conf import bg_settings
from .host import model_label
from .storage import derived_storage
from .validators import validate_photo

IMAGE_MODEL = model_label("IMAGE_MODEL")
STORE_MODEL = model_label("STORE_MODEL")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutcomeStatus(models.TextChoices):
    """What became of one photo's job (``services.Outcome``; a seller's Job keeps it too)."""

    DONE = "done", _("Shown on the store")
    HELD = "held", _("Held for the seller: not shown yet")
    REVERTED = "reverted", _("Kept in the history, not shown: reverted meanwhile")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Nothing to do")
    CUT = "cut", _("Cut out; rendering queued")


# Outcomes of a job that made a result (a seller's Job ends "done" with one of them).
MADE_OUTCOMES = (OutcomeStatus.DONE, OutcomeStatus.HELD, OutcomeStatus.REVERTED)


class Cutout(models.Model):
    """The product cut out of one version of a photo: alpha matte + decontaminated RGBA."""

    image = models.ForeignKey(IMAGE_MODEL, on_delete=models.CASCADE, related_name="bg_cutouts")
    source_checksum = models.CharField(max_length=64)
    spec_hash = models.CharField(max_length=16)
    spec = models.JSONField(default=dict)
    prompt = models.CharField(max_length=255, blank=True)
    box = models.JSONField(null=True, blank=True)
    segmenter = models.CharField(max_length=80)
    mask = models.FileField(max_length=255, blank=True, storage=derived_storage)
    rgba = models.FileField(max_length=255, blank=True, storage=derived_storage)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bbox = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # The seller's clicks and strokes that made this cut-out (empty for an automatic one); they
    # are part of its spec too, so a theme switch re-uses the corrected cut-out.
    corrections = models.JSONField(default=list, blank=True)
    # How it was made, for the review page: which models ran, their scores, what was kept.
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["image", "source_checksum", "spec_hash"], name="bg_cutout_unique_spec"
            )
        ]
        indexes = [models.Index(fields=["image", "status"])]

    def __str__(self) -> str:
        return f"cut-out {self.spec_hash} of image {self.image_id}"


class BackgroundTheme(models.Model):
    """A store's background look; ``spec`` is ``imaging.compose.Theme.to_dict()``."""

    store = models.ForeignKey(STORE_MODEL, on_delete=models.CASCADE, related_name="bg_themes")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    preset = models.SlugField(max_length=80, blank=True, help_text=_("Preset it was made from."))
    spec = models.JSONField(default=dict)
    # Checked like a product photo: a file no worker can decode would fail every render.
    background_image = models.FileField(max_length=255, blank=True, validators=[validate_photo])
    is_active = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store", "name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "slug"], name="bg_theme_unique_slug"),
            models.UniqueConstraint(
                fields=["store"], condition=Q(is_active=True), name="bg_theme_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_theme(self):
        from .imaging.compose import Theme

        return Theme.from_dict(self.spec)


class PhotoState(models.Model):
    """One photo's current state and the owner's choices that outlive any variant.

    Denormalised (status, confidence) so the review grid sorts thousands of photos by index.
    """

    image = models.OneToOneField(IMAGE_MODEL, on_delete=models.CASCADE, related_name="bg_state")
    status = models.CharField(max_length=10, choices=JobStatus.choices, blank=True)
    error = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reverted = models.BooleanField(default=False)
    theme_override = models.ForeignKey(
        BackgroundTheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt = models.CharField(max_length=255, blank=True)
    box = models.JSONField(null=True, blank=True)
    # Bumped by every revert: a job that started before it sees the change and does not
    # bring the photo back (the owner's last request wins).
    generation = models.PositiveIntegerField(default=0)
    # Starts of the current job that never reached an end (its worker was killed): bounded by
    # KONIGLE_BG["MAX_ATTEMPTS"], since django-q only counts attempts that return a result.
    attempts = models.PositiveSmallIntegerField(default=0)
    # A doubtful automatic result waiting for the seller (KONIGLE_BG["HOLD_THRESHOLD"]): made,
    # not shown; the store shows the active variant (or the original) until it is accepted.
    held_variant = models.ForeignKey(
        "Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["confidence"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"state of image {self.image_id}"


def hold_threshold() -> float | None:
    """Confidence under which a new automatic result waits for the seller; None: never."""
    if not bg_settings.HOLD_DOUBTFUL_RESULTS:
        return None
    threshold = bg_settings.HOLD_THRESHOLD
    return bg_settings.REVIEW_THRESHOLD if threshold is None else float(threshold)


def needs_review(status: str, confidence: float | None, held: bool = False) -> bool:
    """Whether the seller should look at a photo: failed, a result held for them, or a
    confidence under the threshold.

    The one rule; :func:`needs_review_q` is the same rule as a query (a test keeps them equal).
    """
    low = confidence is not None and confidence < bg_settings.REVIEW_THRESHOLD
    return status == JobStatus.FAILED or held or low


def needs_review_q() -> Q:
    """:func:`needs_review` as a filter on the host's image model."""
    return (
        Q(bg_state__status=JobStatus.FAILED)
        | Q(bg_state__held_variant__isnull=False)
        | Q(bg_state__confidence__lt=bg_settings.REVIEW_THRESHOLD)
    )


def in_review_order(images):
    """Held photos first (they wait for the seller), then least confident first, failed ones
    before any score (review pages and API)."""
    return images.annotate(
        held_rank=Case(
            When(bg_state__held_variant__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=models.IntegerField(),
        ),
        review_rank=Case(
            When(bg_state__status=JobStatus.FAILED, then=Value(-1.0)),
            default=F("bg_state__confidence"),
            output_field=FloatField(),
        ),
    ).order_by("held_rank", F("review_rank").asc(nulls_last=True), "pk")


class ThemeRunState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


# A run is open until it ends: one open run per store at most (a database constraint).
OPEN_RUN_STATES = (ThemeRunState.PENDING, ThemeRunState.RUNNING)


class ThemeRunQuerySet(models.QuerySet):
    def open(self):
        """Runs not ended yet (pending or running)."""
        return self.filter(state__in=OPEN_RUN_STATES)


class ThemeRun(models.Model):
    """A store-wide theme switch."""

    State = ThemeRunState

    class Activation(models.TextChoices):
        AT_END = "at_end", _("All at once when the run completes")
        PROGRESSIVE = "progressive", _("Photo by photo as they finish")

    store = models.ForeignKey(STORE_MODEL, on_delete=models.CASCADE, related_name="bg_theme_runs")
    theme = models.ForeignKey(BackgroundTheme, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    activation = models.CharField(
        max_length=12, choices=Activation.choices, default=Activation.AT_END
    )
    include_reverted = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    objects = ThemeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            # Two switches for one store at once would race on which theme wins.
            models.UniqueConstraint(
                fields=["store"],
                condition=Q(state__in=OPEN_RUN_STATES),
                name="bg_themerun_one_open_per_store",
            )
        ]

    def __str__(self) -> str:
        return f"{self.theme} for {self.store} ({self.state})"

    @property
    def is_open(self) -> bool:
        """Not ended yet (pending or running); see OPEN_RUN_STATES."""
        return self.state in OPEN_RUN_STATES

    @property
    def processed(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


class ThemeRunItem(models.Model):
    """One photo counted by a run: a retried batch (after a worker died) counts it once."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="items")
    image = models.ForeignKey(IMAGE_MODEL, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "image"], name="bg_themerunitem_once")
        ]

    def __str__(self) -> str:
        return f"image {self.image_id} in run {self.run_id}: {self.outcome}"


class Variant(models.Model):
    """One rendered result of a photo. No active variant means the original is shown."""

    image = models.ForeignKey(IMAGE_MODEL, on_delete=models.CASCADE, related_name="bg_variants")
    cutout = models.ForeignKey(
        Cutout, null=True, on_delete=models.SET_NULL, related_name="variants"
    )
    theme = models.ForeignKey(
        BackgroundTheme, null=True, on_delete=models.SET_NULL, related_name="variants"
    )
    theme_run = models.ForeignKey(
        ThemeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="variants"
    )
    source_checksum = models.CharField(max_length=64)
    spec_hash = models.CharField(max_length=16)
    file = models.FileField(max_length=255, blank=True, storage=derived_storage)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    error = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    activated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["image", "spec_hash"], name="bg_variant_unique_spec"),
            models.UniqueConstraint(
                fields=["image"], condition=Q(is_active=True), name="bg_variant_one_active"
            ),
            models.CheckConstraint(
                condition=~Q(is_active=True) | Q(status="done"), name="bg_variant_active_is_done"
            ),
        ]
        indexes = [models.Index(fields=["image", "is_active"])]

    def __str__(self) -> str:
        return f"variant {self.spec_hash} of image {self.image_id}"


class Job(models.Model):
    """A seller's request to process one photo again (re-prompt or reprocess), and its outcome.

    PhotoState says where a photo stands now; a Job says what became of one request, so an
    API client can poll the job it started and get done/failed with the reason.
    """

    class Kind(models.TextChoices):
        REPROMPT = "reprompt", _("Re-prompt")
        REPROCESS = "reprocess", _("Process again")
        CORRECT = "correct", _("Corrections")

    image = models.ForeignKey(IMAGE_MODEL, on_delete=models.CASCADE, related_name="bg_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPROMPT)
    prompt = models.CharField(max_length=255, blank=True)
    box = models.JSONField(null=True, blank=True)
    # A correction job's request: {"base": cut-out id, "clicks": [...], "strokes": [...]}.
    corrections = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    error = models.TextField(blank=True)
    # What became of a finished job's result: shown, held for the seller, or not shown because
    # the owner reverted meanwhile ("" until it ends, and for a failed job: see ``error``).
    outcome = models.CharField(max_length=10, choices=OutcomeStatus.choices, blank=True)
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["image", "-created"])]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} of image {self.image_id} ({self.status})"
