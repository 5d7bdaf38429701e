"""The remove.bg-compatible endpoint's rows: a store's API keys, one row per call, its options.

The tables keep the names they had when these models lived in ``konigle_bg`` (its migration
0008 made them; ``migrations/0001`` here takes them over), so keys and usage survive the move.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from konigle_bg.host import model_label

STORE_MODEL = model_label("STORE_MODEL")


class ApiKey(models.Model):
    """A store's key for the remove.bg-compatible endpoint (``X-Api-Key``).

    Only a SHA-256 of the key is kept (keys are 256-bit random, so a plain hash is enough to
    make a leaked table useless) with its first characters to tell keys apart; the key itself
    is shown once, when it is created. Revoked keys stay for their usage history.
    """

    store = models.ForeignKey(STORE_MODEL, on_delete=models.CASCADE, related_name="bg_api_keys")
    name = models.CharField(max_length=80, help_text="What uses it (an app, a script).")
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Credits a month (a full-size result costs 1, a preview 0.25, as on remove.bg); past them
    # a call gets 402. Empty: no limit.
    monthly_credits = models.FloatField(null=True, blank=True)
    # Results a minute; empty: KONIGLE_BG["REMOVEBG_RATE_LIMIT"].
    rate_limit = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "konigle_bg_apikey"
        ordering = ["store", "-created"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked is None


class ApiUsage(models.Model):
    """One call of the remove.bg-compatible endpoint: all that is kept of a request."""

    store = models.ForeignKey(
        STORE_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="usage"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=40, blank=True)
    credits = models.FloatField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "konigle_bg_apiusage"
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["key", "created"]),
            models.Index(fields=["store", "created"]),
        ]
        verbose_name = "API call"

    def __str__(self) -> str:
        return f"API call {self.pk} ({self.status})"


class ApiStoreOptions(models.Model):
    """A store's choices for the remove.bg-compatible endpoint."""

    store = models.OneToOneField(
        STORE_MODEL, on_delete=models.CASCADE, related_name="bg_api_options"
    )
    # Off by default: nothing of a request is kept but its usage row. On: each result is kept
    # for KONIGLE_BG["REMOVEBG_KEEP_SECONDS"] and a signed URL to it comes with the answer.
    keep_results = models.BooleanField(
        default=False, help_text="Keep each result for a day and return a signed URL to it."
    )

    class Meta:
        db_table = "konigle_bg_apistoreoptions"
        verbose_name = "API options"
        verbose_name_plural = "API options"

    def __str__(self) -> str:
        return f"API options of {self.store}"
