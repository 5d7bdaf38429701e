"""The admin's one scoping rule: staff see the rows of the stores they belong to, superusers all
(``host.visible_to``); store pickers list only the user's stores."""

from __future__ import annotations

from django.contrib import admin

from . import host


class StoreScopedAdmin(admin.ModelAdmin):
    """Staff see only the stores they belong to; superusers see all."""

    def get_queryset(self, request):
        return host.visible_to(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The store picker lists only the user's stores: no theme made for someone else's.
        if db_field.related_model is host.store_model():
            kwargs["queryset"] = host.stores_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
