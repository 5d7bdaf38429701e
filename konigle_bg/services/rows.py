"""Rows keyed by what shapes them, created once even when two workers race on them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model


def get_or_create_row(model: type[Model], defaults: dict | None = None, **lookup):
    """``model.objects.get_or_create`` that survives the race where another worker inserts
    the same row first (the unique constraint refuses the second insert: we read the first)."""
    try:
        with transaction.atomic():
            return model.objects.get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        return model.objects.get(**lookup), False
