"""``POST /v1.0/removebg``: remove.bg's v1.0 API, self-hosted and scoped to a store.

One call, image in, result out (docs/api.md). The request and the answer are remove.bg's:
``image_file`` / ``image_file_b64`` / ``image_url`` and its options in a JSON, form or
multipart body; the image bytes with ``X-Width``, ``X-Height``, ``X-Type`` and
``X-Foreground-*`` headers, or ``{"data": {"result_b64", ...}}`` for ``Accept:
application/json``; errors as ``{"errors": [{"title", "code", "detail"}]}`` with 400, 402
(the key's monthly credits are spent), 403 (no or a bad key) and 429 (rate limit, with
``Retry-After`` and ``X-RateLimit-*``).

Callers: a store's API key in ``X-Api-Key`` (``manage.py bg_api_keys`` or the admin), or the
API's token and session like every other endpoint. ``GET /api/bg/v1.0/account`` answers
remove.bg's account call with the caller's store's usage only.
"""

from __future__ import annotations

import base64
import time

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    ParseError,
    UnsupportedMediaType,
)
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from konigle_bg import host
from konigle_bg.api.authentication import SafeAuthenticationMixin

from . import keys as api_keys
from . import service
from .models import ApiKey
from .params import RemoveBgJsonRequest, RemoveBgMultipartRequest
from .service import RemoveBgError

#: remove.bg's status for each of its error codes; any other is a 400.
STATUS = {
    "auth_failed": 403,
    "insufficient_credits": 402,
    "rate_limit_exceeded": 429,
    "not_found": 404,
}


class ApiKeyAuthentication(BaseAuthentication):
    """``X-Api-Key: kbg_...``: a store's key. ``request.auth`` is the :class:`ApiKey`."""

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        key = api_keys.key_for(raw.strip())
        if key is None:
            raise AuthenticationFailed("Invalid API Key")
        return AnonymousUser(), key


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKeyHeader"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class AnyAccept(BaseContentNegotiation):
    """Clients ask for ``image/*`` or ``*/*``: the answer's type is chosen by the view."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def error_response(exc: RemoveBgError, headers: dict | None = None) -> JsonResponse:
    """remove.bg's error shape: ``{"errors": [{"title", "code", "detail"}]}``."""
    error = {"title": exc.title, "code": exc.code}
    if exc.detail:
        error["detail"] = exc.detail
    return JsonResponse({"errors": [error]}, status=status_of(exc), headers=headers or {})


def status_of(exc: RemoveBgError) -> int:
    return STATUS.get(exc.code, 400)


class Caller:
    """Who calls: a store's key, or a user (token or session) and their store if just one."""

    def __init__(self, request) -> None:
        self.key: ApiKey | None = request.auth if isinstance(request.auth, ApiKey) else None
        self.user = request.user
        if self.key is not None:
            self.store = self.key.store
            self.bucket = f"key:{self.key.key_hash[:20]}"
            return
        if not getattr(self.user, "is_authenticated", False):
            raise RemoveBgError(
                "auth_failed", "Missing API Key",
                "Send a store's API key in the X-Api-Key header (or the API's token).",
            )  # fmt: skip
        stores = list(host.stores_for(self.user)[:2])
        if not stores:
            raise RemoveBgError("auth_failed", "Not a member of any store")
        self.store = stores[0] if len(stores) == 1 else None
        self.bucket = f"user:{self.user.pk}"

    def record(self, status: int, **fields) -> None:
        api_keys.record_usage(store=self.store, key=self.key, user=self.user, status=status,
                              **fields)  # fmt: skip


class RemoveBgView(SafeAuthenticationMixin, APIView):
    """remove.bg's error shape for everything, including authentication and bad bodies."""

    authentication_classes = [ApiKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]  # checked by Caller: remove.bg answers 403 in its shape
    throttle_classes: list = []
    content_negotiation_class = AnyAccept

    def handle_exception(self, exc):
        if isinstance(exc, RemoveBgError):
            return error_response(exc)
        if isinstance(exc, AuthenticationFailed | NotAuthenticated):
            return error_response(RemoveBgError("auth_failed", str(exc.detail)))
        if isinstance(exc, ParseError | UnsupportedMediaType):
            return error_response(RemoveBgError("invalid_request", str(exc.detail)))
        if isinstance(exc, APIException):
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
            error = {"title": str(exc.detail), "code": code}
            return JsonResponse({"errors": [error]}, status=exc.status_code)
        return super().handle_exception(exc)


# -- OpenAPI: what the endpoint takes and answers --------------------------------------------


class RemoveBgErrorItem(serializers.Serializer):
    title = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField(required=False)


ERRORS = inline_serializer("RemoveBgErrors", {"errors": RemoveBgErrorItem(many=True)})
RESULT_JSON = inline_serializer(
    "RemoveBgJsonResponse",
    {
        "data": inline_serializer(
            "RemoveBgJsonResponseData",
            {
                "result_b64": serializers.CharField(help_text="The result file, base64."),
                "foreground_top": serializers.IntegerField(),
                "foreground_left": serializers.IntegerField(),
                "foreground_width": serializers.IntegerField(),
                "foreground_height": serializers.IntegerField(),
                "result_url": serializers.CharField(
                    required=False,
                    help_text="Signed URL of the kept result (stores that keep results).",
                ),
            },
        )
    },
)
RESULT_HEADERS = [
    OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.HEADER, response=[200],
                     description=text)  # fmt: skip
    for name, text in [
        ("X-Width", "Width of the result."),
        ("X-Height", "Height of the result."),
        ("X-Foreground-Top", "Top of the subject in the result."),
        ("X-Foreground-Left", "Left of the subject in the result."),
        ("X-Foreground-Width", "Width of the subject in the result."),
        ("X-Foreground-Height", "Height of the subject in the result."),
        ("X-RateLimit-Limit", "Calls a minute."),
        ("X-RateLimit-Remaining", "Calls left this minute."),
        ("X-RateLimit-Reset", "Unix time the minute ends."),
    ]
] + [
    OpenApiParameter("X-Type", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                     description="The requested type ('other' for auto); absent for "
                     "type_level=none."),
    OpenApiParameter("X-Credits-Charged", OpenApiTypes.FLOAT, OpenApiParameter.HEADER,
                     response=[200], description="1, or 0.25 for a preview."),
    OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429],
                     description="Seconds until the rate limit resets."),
]  # fmt: skip


def _error_example(status: int, code: str, title: str) -> OpenApiExample:
    return OpenApiExample(code, value={"errors": [{"title": title, "code": code}]},
                          status_codes=[str(status)], response_only=True)  # fmt: skip


# -- the endpoint -----------------------------------------------------------------------------


class RemoveBackground(RemoveBgView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="removebg",
        summary="Remove the background of an image (remove.bg v1.0 compatible)",
        tags=["remove.bg compatible"],
        request={
            "multipart/form-data": RemoveBgMultipartRequest,
            "application/json": RemoveBgJsonRequest,
            "application/x-www-form-urlencoded": RemoveBgJsonRequest,
        },
        parameters=RESULT_HEADERS,
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, "The result image."),
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, "color.jpg and alpha.png."
            ),
            (200, "application/json"): OpenApiResponse(
                RESULT_JSON, "With Accept: application/json."
            ),
            400: OpenApiResponse(ERRORS, "Invalid parameters or input image (no credits)."),
            402: OpenApiResponse(ERRORS, "The key's monthly credits are spent."),
            403: OpenApiResponse(ERRORS, "Missing, invalid or revoked API key."),
            429: OpenApiResponse(ERRORS, "Rate limit exceeded (see Retry-After)."),
        },
        examples=[
            _error_example(400, "missing_source", "No image given"),
            _error_example(400, "unknown_foreground", "Could not identify foreground in image."),
            _error_example(402, "insufficient_credits", "Insufficient credits"),
            _error_example(403, "auth_failed", "Invalid API Key"),
            _error_example(429, "rate_limit_exceeded", "Rate limit exceeded"),
        ],
    )
    def post(self, request):
        """One image in, the result out. Nothing of the request is kept but a usage row,
        unless the store keeps results for a day (then ``X-Result-Url`` / ``result_url``)."""
        caller = Caller(request)
        window = api_keys.take_call(caller.bucket, api_keys.rate_limit_for(caller.key))
        if not window.allowed:
            caller.record(429, error_code="rate_limit_exceeded")
            return error_response(
                RemoveBgError("rate_limit_exceeded", "Rate limit exceeded",
                              f"At most {window.limit} calls a minute."),
                window.headers(),
            )  # fmt: skip
        started = time.perf_counter()
        try:
            result = self._run(request, caller)
        except RemoveBgError as exc:
            caller.record(status_of(exc), error_code=exc.code)
            return error_response(exc, window.headers())
        caller.record(200, credits=result.credits, size=(result.width, result.height),
                      duration_ms=int((time.perf_counter() - started) * 1000))  # fmt: skip
        return self._answer(request, caller, result, window)

    def _run(self, request, caller: Caller) -> service.Result:
        if caller.key is not None:
            left = api_keys.credits_left(caller.key)
            if left is not None and left <= 0:
                raise RemoveBgError(
                    "insufficient_credits", "Insufficient credits",
                    "This key's monthly credits are spent.",
                )  # fmt: skip
        params = RemoveBgMultipartRequest(data=request.data)
        params.is_valid(raise_exception=True)  # the first bad parameter: RemoveBgError
        parsed = params.parsed
        if caller.key is not None and caller.key.monthly_credits is not None:
            if api_keys.credits_left(caller.key) < parsed.options.credits:
                raise RemoveBgError("insufficient_credits", "Insufficient credits")
        return service.remove_background_from(
            parsed.image, parsed.image_url, parsed.options, parsed.bg_image_url
        )

    def _answer(self, request, caller: Caller, result: service.Result, window) -> HttpResponse:
        left, top, width, height = result.foreground
        headers = {
            "X-Width": str(result.width),
            "X-Height": str(result.height),
            "X-Foreground-Top": str(top),
            "X-Foreground-Left": str(left),
            "X-Foreground-Width": str(width),
            "X-Foreground-Height": str(height),
            "X-Credits-Charged": f"{result.credits:g}",
            **window.headers(),
        }
        if result.type is not None:
            headers["X-Type"] = result.type
        url = ""
        if api_keys.keeps_results(caller.store):
            url = result_url(request, service.keep_result(caller.store, result))
            headers["X-Result-Url"] = url
        if "application/json" in request.headers.get("Accept", ""):
            data = {
                "result_b64": base64.b64encode(result.data).decode(),
                "foreground_top": top,
                "foreground_left": left,
                "foreground_width": width,
                "foreground_height": height,
            }
            if url:
                data["result_url"] = url
            return JsonResponse({"data": data}, headers=headers)
        response = HttpResponse(result.data, content_type=result.content_type, headers=headers)
        response["Content-Disposition"] = f'inline; filename="no-bg.{result.format}"'
        return response


def result_url(request, token: str) -> str:
    """The kept result's address beside the endpoint that was called (under the API's
    namespace, or at the site's root)."""
    namespace = getattr(request.resolver_match, "namespace", "")
    name = f"{namespace}:removebg-result" if namespace else "removebg-result"
    return request.build_absolute_uri(reverse(name, args=[token]))


class RemoveBackgroundAlias(RemoveBackground):
    """The same endpoint at remove.bg's own path (``/v1.0/removebg``); documented once."""

    schema = None


class Account(RemoveBgView):
    @extend_schema(
        operation_id="removebg_account",
        summary="Credits and usage of the caller's store (remove.bg's account call)",
        tags=["remove.bg compatible"],
        responses={200: OpenApiTypes.OBJECT, 403: OpenApiResponse(ERRORS)},
    )
    def get(self, request):
        """remove.bg's ``data.attributes.credits``/``api``, and ``usage`` (this month) of the
        key's store, or of the stores a token/session user belongs to; never another's."""
        caller = Caller(request)
        stores = [caller.store] if caller.key is not None else list(host.stores_for(caller.user))
        usage = {"calls": 0, "failed": 0, "credits": 0.0}
        for store in stores:
            for name, value in api_keys.store_usage(store).items():
                if name != "since":
                    usage[name] += value
        left = api_keys.credits_left(caller.key) if caller.key is not None else None
        return JsonResponse(
            {
                "data": {
                    "attributes": {
                        "credits": {"total": left, "subscription": left, "payg": 0,
                                    "enterprise": 0},
                        "api": {"free_calls": 0, "sizes": "all"},
                        "usage": {**usage, "since": api_keys.month_start().isoformat()},
                    }
                }
            }
        )  # fmt: skip


class AccountAlias(Account):
    schema = None


class KeptResult(APIView):
    """A kept result, by the signed URL its call returned (no key needed; expires)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="removebg_result",
        tags=["remove.bg compatible"],
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(ERRORS)},
    )
    def get(self, request, token: str):
        try:
            fh, content_type = service.open_kept_result(token)
        except RemoveBgError as exc:
            return error_response(exc)
        return FileResponse(fh, content_type=content_type)


class KeptResultAlias(KeptResult):
    schema = None
