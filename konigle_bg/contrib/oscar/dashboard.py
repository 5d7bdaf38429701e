"""Oscar's dashboard product page shows what each photo's background came to, with a link to
konigle_bg's review page (revert, re-prompt, fix).

Oscar lets a shop swap a dashboard view through its app config's attributes (what a forked app
does); ``install()`` puts a subclass of the product view there, whose template extends Oscar's
own (so a shop's override of that template still applies).
"""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from ... import host
from ...services import photo_statuses

TEMPLATE = "konigle_bg/oscar/product_update.html"


def review_url(user, product) -> str | None:
    """The product's review page, for staff who may act on it (None: not for them, or the
    shop did not mount konigle_bg.urls)."""
    if product is None or not product.pk or not getattr(user, "is_staff", False):
        return None
    try:
        url = reverse("konigle_bg:review-product", args=[product.pk])
    except NoReverseMatch:
        return None
    return url if host.may_act_on(user, product) else None


def with_backgrounds(view):
    """``view`` (Oscar's ProductCreateUpdateView, or a shop's) showing the photos' state."""

    class ProductWithBackgrounds(view):
        shows_backgrounds = True

        def get_template_names(self):
            return [TEMPLATE, *super().get_template_names()]

        def get_context_data(self, **kwargs):
            ctx = super().get_context_data(**kwargs)
            product = getattr(self, "object", None)
            ctx["bg_review_url"] = review_url(self.request.user, product)
            if ctx["bg_review_url"]:
                ctx["bg_photos"] = photo_statuses(host.product_images(product))
            return ctx

    ProductWithBackgrounds.__name__ = ProductWithBackgrounds.__qualname__ = view.__name__
    ProductWithBackgrounds.__module__ = __name__
    return ProductWithBackgrounds


def install() -> None:
    try:
        config = apps.get_app_config("catalogue_dashboard")  # a forked app keeps its label
    except LookupError:
        return
    view = getattr(config, "product_createupdate_view", None)
    if view is not None and not getattr(view, "shows_backgrounds", False):
        config.product_createupdate_view = with_backgrounds(view)
