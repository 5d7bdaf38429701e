"""The store-wide theme switch in the admin: choose -> preview on six products -> confirm ->
live progress (polling a small JSON view) with cancel; and a per-product theme choice.

``ThemeSwitchAdminMixin`` goes on the BackgroundTheme ModelAdmin (admin.py), which gives these
views their URLs under ``admin/konigle_bg/backgroundtheme/``. Everything is scoped to the stores
the user belongs to (``host.visible_to``): another store's theme, run or photo is a 404.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import host, services
from .models import BackgroundTheme, Cutout, PhotoState, ThemeRun

PREVIEW_COUNT = 6
PREVIEW_SIZE = 240


def run_progress(run: ThemeRun) -> dict:
    """What the progress bar polls (and the review pages may show)."""
    return {
        "id": run.pk,
        "state": run.state,
        "theme": run.theme.name,
        "activation": run.activation,
        "include_reverted": run.include_reverted,
        "total": run.total,
        "done": run.done,
        "failed": run.failed,
        "skipped": run.skipped,
        "processed": run.processed,
        "percent": run.percent,
        "cancel_requested": run.cancel_requested,
        "finished": run.finished.isoformat() if run.finished else None,
        "open": run.is_open,
    }


class ThemeSwitchAdminMixin:
    """For the BackgroundTheme ModelAdmin: switch views, and an action leading to them."""

    change_list_template = "admin/konigle_bg/theme_change_list.html"
    actions = ["switch_store_to_theme"]

    # ---- helpers

    def _url(self, name: str, *args, query: dict | None = None) -> str:
        return reverse(f"admin:konigle_bg_backgroundtheme_{name}", args=args, query=query)

    def _themes(self, request: HttpRequest):
        return host.visible_to(request.user, BackgroundTheme.objects.all())

    def _runs(self, request: HttpRequest):
        return host.visible_to(request.user, ThemeRun.objects.select_related("theme", "store"))

    def _check(self, request: HttpRequest) -> None:
        # Switching rewrites what every product shows: it takes the right to change themes.
        if not self.has_change_permission(request):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    # ---- urls

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("switch/", view(self.switch_view), name="konigle_bg_backgroundtheme_switch"),
            path(
                "switch/preview/<int:theme_id>/<int:image_id>/",
                view(self.preview_view),
                name="konigle_bg_backgroundtheme_preview",
            ),
            path("runs/<int:run_id>/", view(self.run_view), name="konigle_bg_backgroundtheme_run"),
            path(
                "runs/<int:run_id>/progress/",
                view(self.progress_view),
                name="konigle_bg_backgroundtheme_progress",
            ),
            path(
                "runs/<int:run_id>/cancel/",
                view(self.cancel_view),
                name="konigle_bg_backgroundtheme_cancel",
            ),
            path(
                "product/<int:product_id>/",
                view(self.product_theme_view),
                name="konigle_bg_backgroundtheme_product",
            ),
        ] + super().get_urls()

    # ---- action

    @admin.action(description=_("Switch the store to this theme (preview first)"))
    def switch_store_to_theme(self, request, queryset):
        theme = queryset.first()
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one theme."), messages.WARNING)
            return None
        return HttpResponseRedirect(self._url("switch", query={"theme": theme.pk}))

    # ---- views

    def switch_view(self, request: HttpRequest) -> HttpResponse:
        """GET: choose a theme; GET ?theme=ID: its preview and the confirm form; POST: start."""
        self._check(request)
        themes = self._themes(request).select_related("store").order_by("store__pk", "name")
        data = request.POST if request.method == "POST" else request.GET
        theme = None
        if data.get("theme"):
            try:
                theme = themes.get(pk=int(data["theme"]))
            except (ValueError, BackgroundTheme.DoesNotExist):
                raise Http404(_("No such theme.")) from None

        if request.method == "POST":
            if theme is None:
                raise Http404(_("Choose a theme."))
            activation = data.get("activation", ThemeRun.Activation.AT_END)
            try:
                run = services.start_theme_run(
                    theme.store,
                    theme,
                    user=request.user,
                    activation=activation,
                    include_reverted=data.get("include_reverted") in ("1", "on", "true"),
                )
            except services.ThemeRunError as exc:
                self.message_user(request, exc.message(gettext), messages.ERROR)
                return HttpResponseRedirect(self._url("switch", query={"theme": theme.pk}))
            message = ngettext(
                "Switching %(n)d photo to %(theme)s.",
                "Switching %(n)d photos to %(theme)s.",
                run.total,
            ) % {"n": run.total, "theme": theme.name}
            self.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(self._url("run", run.pk))

        previews = []
        open_run = None
        if theme is not None:
            previews = [
                {
                    "title": host.product_title(host.image_product(image)),
                    "original": host.image_file(image).url,
                    "url": self._url("preview", theme.pk, image.pk),
                }
                for image in services.preview_images(theme.store, PREVIEW_COUNT)
            ]
            open_run = (
                ThemeRun.objects.open().filter(store=theme.store).select_related("theme").first()
            )
        context = self._context(
            request,
            _("Preview: %(theme)s") % {"theme": theme.name}
            if theme
            else _("Switch the store's background theme"),
            themes=themes,
            theme=theme,
            previews=previews,
            preview_size=PREVIEW_SIZE,
            open_run=open_run,
            open_run_url=self._url("run", open_run.pk) if open_run else "",
            activations=ThemeRun.Activation.choices,
            active={t.store_id: t for t in themes if t.is_active},
            recent_runs=self._runs(request)[:5],
        )
        return TemplateResponse(request, "admin/konigle_bg/theme_switch.html", context)

    def preview_view(self, request: HttpRequest, theme_id: int, image_id: int) -> HttpResponse:
        """One product on a theme at thumbnail size, rendered now from its cut-out."""
        self._check(request)
        theme = get_object_or_404(self._themes(request), pk=theme_id)
        image = get_object_or_404(
            host.store_images(theme.store_id),
            pk=image_id,
        )
        try:
            data, content_type = services.render_preview(image, theme, PREVIEW_SIZE)
        except Cutout.DoesNotExist:
            raise Http404(_("This photo has no cut-out yet.")) from None
        except (OSError, ValueError) as exc:
            raise Http404(_("No preview: %(reason)s") % {"reason": exc}) from None
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=300"
        return response

    def run_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = get_object_or_404(self._runs(request), pk=run_id)
        context = self._context(
            request,
            _("Theme switch to %(theme)s") % {"theme": run.theme.name},
            run=run,
            progress=run_progress(run),
            progress_url=self._url("progress", run.pk),
            cancel_url=self._url("cancel", run.pk),
            switch_url=self._url("switch"),
        )
        return TemplateResponse(request, "admin/konigle_bg/theme_run.html", context)

    def progress_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        run = get_object_or_404(self._runs(request), pk=run_id)
        response = JsonResponse(run_progress(run))
        response["Cache-Control"] = "no-store"
        return response

    def cancel_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        self._check(request)
        run = get_object_or_404(self._runs(request), pk=run_id)
        if request.method != "POST":
            return HttpResponse(_("Cancel with POST."), status=405, headers={"Allow": "POST"})
        if services.cancel_theme_run(run):
            self.message_user(request, _("The theme switch was cancelled."), messages.SUCCESS)
        else:
            self.message_user(request, _("This theme switch had already ended."), messages.WARNING)
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse(run_progress(run))
        return HttpResponseRedirect(self._url("run", run.pk))

    def product_theme_view(self, request: HttpRequest, product_id: int) -> HttpResponse:
        """A product's own theme (or back to the store's); its photos re-render."""
        self._check(request)
        product = get_object_or_404(host.products_for(request.user), pk=product_id)
        store = host.product_store(product)
        themes = BackgroundTheme.objects.filter(store=store).order_by("name")
        images = list(host.product_images(product))
        current = (
            PhotoState.objects.filter(image__in=images, theme_override__isnull=False)
            .select_related("theme_override")
            .first()
        )
        if request.method == "POST":
            choice = request.POST.get("theme", "")
            theme = None
            if choice:
                theme = get_object_or_404(themes, pk=choice)
            n = services.set_product_theme(product, theme)
            label = theme.name if theme else _("the store's theme")
            message = ngettext(
                "%(product)s: %(theme)s; %(n)d photo queued.",
                "%(product)s: %(theme)s; %(n)d photos queued.",
                n,
            ) % {"product": product, "theme": label, "n": n}
            self.message_user(request, message, messages.SUCCESS)
            nxt = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
                nxt = self._url("product", product.pk)
            return HttpResponseRedirect(nxt)
        context = self._context(
            request,
            _("Theme of %(product)s") % {"product": product},
            product=product,
            themes=themes,
            store_theme=services.active_theme(store),
            current=current.theme_override if current else None,
            next=request.GET.get("next", ""),
        )
        return TemplateResponse(request, "admin/konigle_bg/theme_product.html", context)


def run_link(run: ThemeRun) -> str:
    """Link to a run's progress page (for the ThemeRun changelist)."""
    url = reverse("admin:konigle_bg_backgroundtheme_run", args=[run.pk])
    return format_html('<a href="{}">{}%</a>', url, run.percent)
