"""Admin for konigle_bg's own models, and a mixin a store's product admin takes on.

    class ProductAdmin(BackgroundProductAdminMixin, admin.ModelAdmin): ...

adds "Revert photos to originals" / "Process photos again" actions, a Revert button on the
product page, and before/after thumbnails of each photo. The actions join the host admin's own
``actions`` and the thumbnails its ``fields``/``readonly_fields``: nothing to copy by hand.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import host, services
from .admin_scoping import StoreScopedAdmin
from .admin_themes import ThemeSwitchAdminMixin, run_link
from .models import BackgroundTheme, Cutout, ThemeRun, Variant


def thumb(url: str, size: int = 120) -> str:
    if not url:
        return "-"
    return format_html(
        '<img src="{}" style="max-width:{}px;max-height:{}px;border:1px solid #ddd" '
        'loading="lazy">',
        url,
        size,
        size,
    )


def photo_strip(product, revert_url) -> str:
    """Original and displayed photo side by side, for every photo of a product."""
    images = list(host.product_images(product))
    if not images:
        return _("No photos.")
    rows = []
    for photo in services.photo_statuses(images):
        status = photo.label
        if photo.error:
            status = f"{status}: {photo.error}"
        rows.append(
            (
                thumb(photo.original_file.url),
                thumb(photo.display_url),
                status,
                revert_url(photo.image),
            )
        )
    return format_html(
        '<table class="bg-strip"><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>{}</table>',
        _("Original"),
        _("Shown on the store"),
        _("Status"),
        format_html_join(
            "",
            # Buttons post the surrounding change form (and its CSRF token) to another URL.
            '<tr><td>{}</td><td>{}</td><td>{}</td><td><button type="submit" formnovalidate '
            'formaction="{}" class="button">{}</button></td></tr>',
            [(*row, _("Revert photo")) for row in rows],
        ),
    )


def reverted_message(n: int) -> str:
    return ngettext(
        "%(n)d photo reverted to the original.", "%(n)d photos reverted to the original.", n
    ) % {"n": n}


class BackgroundProductAdminMixin:
    """For the host's product ModelAdmin."""

    change_form_template = "admin/konigle_bg/product_change_form.html"
    bg_actions = ("revert_backgrounds", "process_backgrounds", "choose_product_theme")
    bg_photos_field = "background_photos"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Added to whatever the host admin declares (a class attribute of its own would
        # otherwise hide ours); an instance attribute, so Django's admin checks see it too.
        own = list(self.actions or [])
        self.actions = [*own, *(a for a in self.bg_actions if a not in own)]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if self.bg_photos_field in fields else [*fields, self.bg_photos_field]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if self.bg_photos_field in fields else [*fields, self.bg_photos_field]

    @admin.display(description=_("Photos: original and shown"))
    def background_photos(self, obj) -> str:
        if not obj or not obj.pk:
            return "-"
        info = self.model._meta.app_label, self.model._meta.model_name
        return photo_strip(
            obj,
            lambda img: reverse(
                "admin:{}_{}_revert_photos".format(*info), args=[obj.pk], query={"image": img.pk}
            ),
        )

    @admin.action(description=_("Revert photos to originals"), permissions=["change"])
    def revert_backgrounds(self, request, queryset):
        n = sum(services.revert_product(p) for p in queryset)
        self.message_user(request, reverted_message(n), messages.SUCCESS)

    @admin.action(description=_("Use another theme for this product"), permissions=["change"])
    def choose_product_theme(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one product."), messages.WARNING)
            return None
        url = reverse(
            "admin:konigle_bg_backgroundtheme_product",
            args=[queryset.get().pk],
            query={"next": request.get_full_path()},
        )
        return HttpResponseRedirect(url)

    @admin.action(description="Process photos again (undo revert)", permissions=["change"])
    def process_backgrounds(self, request, queryset):
        # Through the services, as the review pages and the API do: one Job row per photo.
        n = sum(len(services.reprocess_product(p, user=request.user)) for p in queryset)
        self.message_user(request, f"{n} photo(s) queued.", messages.SUCCESS)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/revert-photos/",
                self.admin_site.admin_view(self.revert_view),
                name="{}_{}_revert_photos".format(*info),
            ),
        ] + super().get_urls()

    def revert_view(self, request, object_id):
        obj = self.get_object(request, object_id)
        # get_object is scoped by get_queryset, so another store's product is simply absent:
        # a 404, never a 403 that would say it exists.
        if obj is None:
            raise Http404
        if request.method != "POST" or not self.has_change_permission(request, obj):
            raise PermissionDenied
        image_id = request.GET.get("image")
        if image_id:
            image = get_object_or_404(host.product_images(obj), pk=image_id)
            services.revert_image(image)
            n = 1
        else:
            n = services.revert_product(obj)
        self.message_user(request, reverted_message(n), messages.SUCCESS)
        info = self.model._meta.app_label, self.model._meta.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))


@admin.register(BackgroundTheme)
class BackgroundThemeAdmin(ThemeSwitchAdminMixin, StoreScopedAdmin):
    list_display = ["name", "store", "preset", "is_active", "created"]
    list_filter = ["is_active", "preset"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ReadOnlyAdmin(StoreScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Variant)
class VariantAdmin(ReadOnlyAdmin):
    list_display = ["id", "preview", "image", "theme", "status", "is_active", "created"]
    list_filter = ["status", "is_active"]
    list_select_related = ["theme"]
    actions = ["make_active"]

    @admin.display(description=_("Result"))
    def preview(self, obj) -> str:
        return thumb(obj.file.url if obj.file else "", 80)

    @admin.action(description=_("Show this variant on the store"), permissions=["change"])
    def make_active(self, request, queryset):
        for variant in queryset.filter(status="done"):
            services.activate(variant)
        self.message_user(request, _("Variant(s) activated."), messages.SUCCESS)

    def has_change_permission(self, request, obj=None) -> bool:
        # Django's permission (konigle_bg.change_variant) decides, as for any model: it lets
        # its holder run "show this variant"; the form itself stays read-only for everyone.
        return StoreScopedAdmin.has_change_permission(self, request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Cutout)
class CutoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "preview", "image", "segmenter", "prompt", "confidence", "status"]
    list_filter = ["status", "segmenter"]

    @admin.display(description=_("Cut-out"))
    def preview(self, obj) -> str:
        return thumb(obj.rgba.url if obj.rgba else "", 80)


@admin.register(ThemeRun)
class ThemeRunAdmin(ReadOnlyAdmin):
    list_display = [
        "theme", "store", "state", "progress", "total", "done", "failed", "skipped", "created"
    ]  # fmt: skip

    list_filter = ["state"]

    @admin.display(description=_("Progress"))
    def progress(self, obj) -> str:
        return run_link(obj)

