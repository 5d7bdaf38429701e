"""The API's error answers (the shape of konigle_bg.errors) and their documentation.

The views of konigle_bg's API use them through :class:`ContractMixin`, so a shop's own API
keeps its own exception handler.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import error_body
from ..errors import not_found as not_found_body
from .authentication import SafeAuthenticationMixin


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


@csrf_exempt  # it changes nothing; a POST to a wrong path is a 404, not a CSRF page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """A path under the API that no route matches."""
    return JsonResponse(not_found_body(), status=404)


def exception_handler(exc: Exception, context: dict):
    # As DRF's handler does, but before it, so the code survives the conversion.
    if isinstance(exc, Http404):
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
        "theme_run_open, too_large, not_an_image, unsupported_format."
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
