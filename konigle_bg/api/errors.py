"""The error answers of the API and of the review pages' JSON endpoints, and their documentation.

Every error answer is a JSON object with::

    detail  the (first) message, for a person
    code    a stable machine-readable code: "not_authenticated", "not_found", "invalid",
            "required", "theme_run_open", or a domain error's code (``konigle_bg.errors``):
            an image refusal ("too_large", "not_an_image", ...), "source_unavailable"...

and, for a 400, DRF's field-error shape beside them: ``{"<field>": ["message", ...]}``
(``non_field_errors`` for the request as a whole).

Domain errors (:class:`konigle_bg.errors.KonigleBgError`) become these answers here, once:
translated, with the status their ``kind`` names. The views of konigle_bg's API use them
through :class:`ContractMixin`, so a shop's own API keeps its own exception handler.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import APIException, ErrorDetail, NotFound
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import KonigleBgError
from .authentication import SafeAuthenticationMixin


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


def not_found_body() -> dict:
    """The error shape of a 404: nothing there, or nothing the user may see."""
    return error_body(NotFound().detail)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Not available on this server."
    default_code = "unavailable"


def api_exception(exc: KonigleBgError) -> APIException:
    """A domain error as the API answers it: translated, with the status of its kind."""
    message = ErrorDetail(exc.message(gettext), exc.code)
    if exc.kind == "conflict":
        return Conflict(message)
    if exc.kind == "unavailable":
        return Unavailable(message)
    return exceptions.ValidationError({exc.field or "non_field_errors": [message]})


@csrf_exempt  # it changes nothing; a POST to a wrong path is a 404, not a CSRF page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """A path under the API that no route matches."""
    return JsonResponse(not_found_body(), status=404)


def exception_handler(exc: Exception, context: dict):
    # As DRF's handler does, but before it, so the code survives the conversion.
    if isinstance(exc, KonigleBgError):
        exc = api_exception(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        response.data = error_body(exc.detail)
    return response


@extend_schema_serializer(many=False)  # never wrapped in a page or list on list operations
class ErrorSerializer(serializers.Serializer):
    """An error. For a 400, field errors sit beside ``detail`` and ``code``:
    ``{"<field>": ["message", ...]}``."""

    detail = serializers.CharField(help_text="The (first) message, for a person.")
    code = serializers.CharField(
        help_text="Stable machine-readable code, e.g. not_found, invalid, required, "
        "theme_run_open, too_large, not_an_image, unsupported_format, source_unavailable."
    )

    class Meta:
        ref_name = "Error"


class ContractSchema(AutoSchema):
    """Documents the error answers of every operation beside its success answer."""

    # extend_schema(responses=...) replaces get_response_serializers, so the error answers
    # are added where every operation's responses are put together.
    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code in self.error_codes():
                if code not in responses:
                    responses[code] = self._get_response_for_code(ErrorSerializer, code)
        return responses

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "404"]  # 404: out of the user's stores, or a page past the end
        if self.method in ("POST", "PUT", "PATCH") or self.view_action() == "list":
            codes.append("400")
        codes += getattr(self.view, "error_statuses", {}).get(self.view_action(), [])
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def view_action(self) -> str:
        return getattr(self.view, "action", None) or self.method.lower()


class ContractMixin(SafeAuthenticationMixin):
    """For konigle_bg's API views: the error shape above, and its documentation (and no
    authentication header that answers 500, api/authentication.py).

    ``error_statuses`` adds statuses particular to an action, e.g. ``{"create": ["409"]}``.
    """

    schema = ContractSchema()
    error_statuses: dict[str, list[str]] = {}

    def get_exception_handler(self):
        return exception_handler
