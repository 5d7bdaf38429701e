"""Authentication of konigle_bg's API views, whatever the shop's DRF settings say.

DRF's ``TokenAuthentication`` answers 500 to any ``Authorization: Token ...`` header when
``rest_framework.authtoken`` is not installed (its Token model is abstract then: "'Token' has
no attribute 'DoesNotExist'"). konigle_bg's views use it only where the app is installed;
elsewhere the header is ignored and the request is anonymous (401/403), never a 500.
"""

from __future__ import annotations

from django.apps import apps
from drf_spectacular.authentication import TokenScheme
from rest_framework.authentication import TokenAuthentication

TOKEN_APP = "rest_framework.authtoken"


def tokens_installed() -> bool:
    return apps.is_installed(TOKEN_APP)


class TokenIfInstalled(TokenAuthentication):
    """DRF's token authentication where ``rest_framework.authtoken`` is installed; elsewhere
    a ``Token`` header is ignored (and no ``WWW-Authenticate: Token`` is offered)."""

    def authenticate(self, request):
        return super().authenticate(request) if tokens_installed() else None

    def authenticate_header(self, request):
        return super().authenticate_header(request) if tokens_installed() else None


class SafeAuthenticationMixin:
    """For konigle_bg's API views: the authenticators of the view (or the shop's defaults),
    DRF's TokenAuthentication swapped for :class:`TokenIfInstalled`."""

    def get_authenticators(self):
        return [safe(auth) for auth in super().get_authenticators()]


def safe(auth):
    if type(auth) is TokenAuthentication and not tokens_installed():
        return TokenIfInstalled()
    return auth


class TokenIfInstalledScheme(TokenScheme):
    """The OpenAPI security scheme of :class:`TokenIfInstalled`: DRF's token scheme."""

    target_class = "konigle_bg.api.authentication.TokenIfInstalled"
