from django.contrib import admin

from konigle_bg.admin import BackgroundProductAdminMixin

from .models import Item


@admin.register(Item)
class ItemAdmin(BackgroundProductAdminMixin, admin.ModelAdmin):
    # The shop's own choices only: the mixin adds its actions and photo strip itself.
    fields = ["shop", "name", "live"]
    actions = ["go_live"]

    @admin.action(description="Go live")
    def go_live(self, request, queryset):
        queryset.update(live=True)
