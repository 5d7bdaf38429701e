"""Admin for konigle_bg's own models, and a mixin a store's product admin takes on.

    class ProductAdmin(BackgroundProductAdminMixin, admin.ModelAdmin): ...

adds "Revert photos to originals" / "Process photos again" / "Accept held results" actions,
a Revert button on the product page, and before/after thumbnails of each photo (with an
Accept button for a result held for the seller). The actions join the host admin's own
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


# Buttons post the surrounding change form (and its CSRF token) to another URL.
BUTTON = '<button type="submit" formnovalidate formaction="{}" class="button">{}</button>'


def photo_strip(product, action_url) -> str:
    """Original and displayed photo side by side, for every photo of a product; a result held
    for the seller beside them, with its Accept button. ``action_url(image, action)`` is the
    URL a photo's button posts to ("revert" or "accept")."""
    images = list(host.product_images(product))
    if not images:
        return _("No photos.")
    rows = []
    for photo in services.photo_statuses(images):
        status = photo.label
        if photo.confidence_pct is not None:
            status = f"{status} ({photo.confidence_pct}%)"
        if photo.error:
            status = f"{status}: {photo.error}"
        buttons = format_html(BUTTON, action_url(photo.image, "revert"), _("Revert photo"))
        held = "-"
        if photo.is_held:
            held = thumb(photo.pending_url)
            accept = format_html(BUTTON, action_url(photo.image, "accept"), _("Accept"))
            buttons = format_html("{} {}", accept, buttons)
        rows.append((thumb(photo.original_url), thumb(photo.display_url), held, status, buttons))
    return format_html(
        '<table class="bg-strip"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>'
        "{}</table>",
        _("Original"),
        _("Shown on the store"),
        _("Held for review"),
        _("Status"),
        format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        ),
    )


def reverted_message(n: int) -> str:
    return ngettext(
        "%(n)d photo reverted to the original.", "%(n)d photos reverted to the original.", n
    ) % {"n": n}


def accepted_message(n: int) -> str:
    return ngettext(
        "%(n)d held result accepted: it is shown now.",
        "%(n)d held results accepted: they are shown now.",
        n,
    ) % {"n": n}


def accept_all(images) -> int:
    """Accept the held result of each of ``images`` that has one; returns how many."""
    n = 0
    for image in images:
        try:
            services.accept_held(image)
        except services.NothingHeld:
            continue
        n += 1
    return n


class BackgroundProductAdminMixin:
    """For the host's product ModelAdmin."""

    change_form_template = "admin/konigle_bg/product_change_form.html"
    bg_actions = (
        "revert_backgrounds",
        "process_backgrounds",
        "accept_held_backgrounds",
        "choose_product_theme",
    )
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
            lambda img, action: reverse(
                "admin:{}_{}_{}_photos".format(*info, action),
                args=[obj.pk],
                query={"image": img.pk},
            ),
        )

    @admin.action(description=_("Revert photos to originals"), permissions=["change"])
    def revert_backgrounds(self, request, queryset):
        n = sum(services.revert_product(p) for p in queryset)
        self.message_user(request, reverted_message(n), messages.SUCCESS)

    @admin.action(description=_("Accept held results (show them)"), permissions=["change"])
    def accept_held_backgrounds(self, request, queryset):
        n = sum(accept_all(host.product_images(p)) for p in queryset)
        self.message_user(request, accepted_message(n), messages.SUCCESS)

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
            path(
                "<path:object_id>/accept-photos/",
                self.admin_site.admin_view(self.accept_view),
                name="{}_{}_accept_photos".format(*info),
            ),
        ] + super().get_urls()

    def revert_view(self, request, object_id):
        """Revert one photo (``?image=``) or every photo of the product."""
        obj, images = self._photos_for_action(request, object_id)
        if images is None:
            n = services.revert_product(obj)
        else:
            for image in images:
                services.revert_image(image)
            n = len(images)
        self.message_user(request, reverted_message(n), messages.SUCCESS)
        return self._back_to(obj)

    def accept_view(self, request, object_id):
        """Accept the held result of one photo (``?image=``) or of every photo of the product."""
        obj, images = self._photos_for_action(request, object_id)
        n = accept_all(host.product_images(obj) if images is None else images)
        self.message_user(request, accepted_message(n), messages.SUCCESS)
        return self._back_to(obj)

    def _photos_for_action(self, request, object_id):
        """The product and the photo named by ``?image=`` (None: all of them), for a POST by
        someone who may change the product."""
        obj = self.get_object(request, object_id)
        # get_object is scoped by get_queryset, so another store's product is simply absent:
        # a 404, never a 403 that would say it exists.
        if obj is None:
            raise Http404
        if request.method != "POST" or not self.has_change_permission(request, obj):
            raise PermissionDenied
        image_id = request.GET.get("image")
        if not image_id:
            return obj, None
        return obj, [get_object_or_404(host.product_images(obj), pk=image_id)]

    def _back_to(self, obj):
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

