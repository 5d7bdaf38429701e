"""Store scoping for the API: every queryset is cut to the stores the user belongs to.

Objects of other stores are simply not in the querysets, so they are 404s (never 403s that
would reveal they exist). ``IsStoreMember`` re-checks objects as a second line of defence.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .. import host
from ..conf import bg_settings
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


def store_id_of(obj) -> int | None:
    if isinstance(obj, BackgroundTheme | ThemeRun):
        return obj.store_id
    if isinstance(obj, Job):
        return host.image_store_id(obj.image)
    if isinstance(obj, host.image_model()):
        return host.image_store_id(obj)
    if isinstance(obj, host.product_model()):
        return getattr(obj, f"{bg_settings.PRODUCT_STORE}_id")
    return None


class IsStoreMember(BasePermission):
    """Authenticated, and (for an object) a member of its store; superusers pass."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        store_id = store_id_of(obj)
        return store_id is not None and stores(request.user).filter(pk=store_id).exists()
