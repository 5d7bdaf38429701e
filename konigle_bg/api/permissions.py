"""Store scoping for the API: every queryset is cut to the stores the user belongs to
(``host.visible_to``: single-store mode and products given by ``USER_PRODUCTS_FUNCTION``
included).

Objects of other stores are simply not in the querysets, so they are 404s (never 403s that
would reveal they exist). ``IsStoreMember`` re-checks objects as a second line of defence.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .. import host
from ..models import BackgroundTheme, Job, ThemeRun


def stores(user):
    return host.stores_for(user)


def images(user):
    return host.images_for(user)


def products(user):
    return host.products_for(user)


def themes(user):
    return host.visible_to(user, BackgroundTheme.objects.all())


def theme_runs(user):
    return host.visible_to(user, ThemeRun.objects.all())


def jobs(user):
    return host.visible_to(user, Job.objects.all())


class IsStoreMember(BasePermission):
    """Authenticated, and (for an object) a member of its store; superusers pass."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return host.may_act_on(request.user, obj)
