"""Admin for the remove.bg-compatible endpoint: a store's API keys (made here, shown once,
revoked with an action), their calls, and the store's choice to keep results for a day.

Staff see the keys, calls and options of the stores they belong to only (``host.stores_for``);
superusers see all.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from konigle_bg.admin_scoping import StoreScopedAdmin

from . import keys as api_keys
from .models import ApiKey, ApiStoreOptions, ApiUsage


@admin.register(ApiKey)
class ApiKeyAdmin(StoreScopedAdmin):
    list_display = [
        "name", "store", "shown_prefix", "active", "calls", "credits_this_month",
        "monthly_credits", "last_used", "created",
    ]  # fmt: skip
    list_filter = ["revoked"]
    search_fields = ["name", "prefix"]
    fields = ["store", "name", "monthly_credits", "rate_limit", "shown_prefix", "created",
              "last_used", "revoked"]  # fmt: skip
    readonly_fields = ["shown_prefix", "created", "last_used", "revoked"]
    actions = ["revoke_keys"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(call_count=Count("usage"))

    def get_readonly_fields(self, request, obj=None):
        # A key never moves to another store.
        return [*self.readonly_fields, "store"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        raw = None
        if not change:
            obj.created_by = request.user
            raw = api_keys.assign_new_key(obj)
        super().save_model(request, obj, form, change)
        if raw:
            self.message_user(
                request,
                gettext("The new API key (copy it now, it is not shown again): %(key)s")
                % {"key": raw},
                messages.WARNING,
            )

    @admin.display(description=_("Key"))
    def shown_prefix(self, obj) -> str:
        return f"{obj.prefix}…" if obj.prefix else "-"

    @admin.display(description=_("Active"), boolean=True)
    def active(self, obj) -> bool:
        return obj.is_active

    @admin.display(description=_("Calls"), ordering="call_count")
    def calls(self, obj) -> int:
        return getattr(obj, "call_count", 0)

    @admin.display(description=_("Credits this month"))
    def credits_this_month(self, obj) -> str:
        return f"{api_keys.credits_used(obj):g}"

    @admin.action(description=_("Revoke selected keys"))
    def revoke_keys(self, request, queryset) -> None:
        n = sum(api_keys.revoke_key(key) for key in queryset)
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", n) % {"n": n},
            messages.SUCCESS,
        )


@admin.register(ApiUsage)
class ApiUsageAdmin(StoreScopedAdmin):
    list_display = ["created", "store", "key", "status", "error_code", "credits", "width",
                    "height", "duration_ms"]  # fmt: skip
    list_filter = ["status", "error_code"]
    date_hierarchy = "created"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiStoreOptions)
class ApiStoreOptionsAdmin(StoreScopedAdmin):
    list_display = ["store", "keep_results"]
