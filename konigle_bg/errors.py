"""One error shape for the API and the review pages' JSON endpoints (written once, here).

Every error answer is a JSON object with::

    detail  the (first) message, for a person
    code    a stable machine-readable code: "not_authenticated", "not_found", "invalid",
            "required", "theme_run_open", or an image refusal reason ("too_large",
            "not_an_image", "unsupported_format", ... see konigle_bg.imaging.io.ImageRejected)

and, for a 400, DRF's field-error shape beside them: ``{"<field>": ["message", ...]}``
(``non_field_errors`` for the request as a whole).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ErrorDetail, NotFound


def first_error(detail: Any) -> tuple[str, str]:
    """(message, code) of the first error in a DRF error structure."""
    if isinstance(detail, dict):
        for value in detail.values():
            return first_error(value)
    elif isinstance(detail, list):
        for value in detail:
            return first_error(value)
    elif isinstance(detail, ErrorDetail):
        return str(detail), detail.code or "invalid"
    elif detail is not None:
        return str(detail), "invalid"
    return "Invalid request.", "invalid"


def error_body(detail: Any) -> dict:
    """The error shape for a DRF error structure (a message, a list, or field errors)."""
    message, code = first_error(detail)
    if isinstance(detail, dict):
        return {**detail, "detail": message, "code": code}
    if isinstance(detail, list):
        return {"non_field_errors": detail, "detail": message, "code": code}
    return {"detail": message, "code": code}


def field_error(field: str, message: str, code: str = "invalid") -> dict:
    """The error shape of one field's error (review views build their answers with it)."""
    return error_body({field: [ErrorDetail(message, code)]})


def not_found() -> dict:
    """The error shape of a 404: nothing there, or nothing the user may see."""
    return error_body(NotFound().detail)
