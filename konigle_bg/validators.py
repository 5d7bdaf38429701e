"""Upload validation for host image fields: a clear error for anything not a usable photo."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from .conf import bg_settings
from .imaging.io import ImageRejected, Limits, probe


def upload_limits() -> Limits:
    return Limits(max_bytes=bg_settings.MAX_UPLOAD_BYTES, max_pixels=bg_settings.MAX_PIXELS)


def rejection_message(exc: ImageRejected) -> str:
    """Why a file was refused, in the active language (the pure decoder only marks it)."""
    return exc.message(gettext)


def validate_photo(file) -> None:
    """Model/form field validator: refuse files that the worker could not decode."""
    try:
        pos = file.tell() if hasattr(file, "tell") else None
        file.seek(0)
        probe(file, upload_limits())
        if pos is not None:
            file.seek(pos)
    except ImageRejected as exc:
        raise ValidationError(rejection_message(exc), code=exc.code) from None
