"""Oscar's own storefront pages show the processed photo, through the thumbnailer only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.oscar_shop.conftest import corners, is_backdrop, is_white

pytestmark = pytest.mark.django_db

STOCK = "oscar.core.thumbnails.SorlThumbnail"


def thumbnail(source, size="200x200"):
    from oscar.core.thumbnails import get_thumbnailer

    return get_thumbnailer().generate_thumbnail(source, size=size)


def pixels(thumb) -> list:
    with thumb.storage.open(thumb.name) as fh:
        return corners(Image.open(fh))


def test_thumbnails_show_the_result_then_the_original_after_revert(sync, make_product):
    from konigle_bg import services

    image = make_product().images.get()
    processed = thumbnail(image.original)
    assert is_white(pixels(processed))
    with override_settings(OSCAR_THUMBNAILER=STOCK):
        original = thumbnail(image.original)
    assert is_backdrop(pixels(original))
    # Cached apart: sorl keys thumbnails by their source's name, and the result has its own.
    assert processed.name != original.name

    services.revert_image(image)
    again = thumbnail(image.original)
    assert again.name == original.name and is_backdrop(pixels(again))


def test_placeholders_and_strings_pass_through(sync, make_product, client):
    product = make_product(photos=0)
    missing = product.primary_image()  # Oscar's dict for a product without photos
    assert isinstance(missing, dict) and missing["is_missing"]
    assert thumbnail(missing["original"]).url  # the missing-image file, unchanged
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200


def served_pixels(html: str) -> list:
    """The corners of the first thumbnail (sorl's cache) the page shows, read from storage."""
    import re

    from django.conf import settings
    from django.core.files.storage import default_storage

    src = re.search(r'<img[^>]+src="(/media/cache/[^"]+)"', html).group(1)
    with default_storage.open(src.removeprefix(settings.MEDIA_URL)) as fh:
        return corners(Image.open(fh))


def test_product_page_search_and_basket_show_the_processed_photo(sync, make_product, client):
    from django.urls import reverse

    product = make_product(title="Red ball")
    page = client.get(product.get_absolute_url())
    assert is_white(served_pixels(page.content.decode()))
    found = client.get(reverse("search:search"), {"q": "ball"})
    assert is_white(served_pixels(found.content.decode()))
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    basket = client.get(reverse("basket:summary"))
    assert is_white(served_pixels(basket.content.decode()))


def test_a_listing_of_24_products_costs_one_query_more(make_product, client, monkeypatch):
    """Oscar's search results page (its catalogue listing with the simple backend), 24
    products a page: konigle_bg's thumbnailer adds one query for the whole page."""
    from django.urls import reverse
    from oscar.apps.search.views.base import BaseSearchView

    from konigle_bg import services

    monkeypatch.setattr(BaseSearchView, "paginate_by", 24)
    products = [make_product(title=f"Ball {i}", seed=i) for i in range(24)]
    for product in products[::3]:  # a third show a result, the others their original
        services.cut_out_and_show(product.images.get().pk)

    def count(thumbnailer: str) -> tuple[int, str]:
        with override_settings(OSCAR_THUMBNAILER=thumbnailer):
            client.get(reverse("search:search"), {"q": "ball"})  # sorl's cache warmed
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse("search:search"), {"q": "ball"})
        assert page.status_code == 200 and page.content.decode().count("/media/cache/") >= 24
        return len(queries), page.content.decode()

    stock, _ = count(STOCK)
    ours, html = count("konigle_bg.contrib.oscar.thumbnails.Thumbnailer")
    assert ours == stock + 1, (stock, ours)
    print(f"search page, 24 products: {stock} queries with Oscar's thumbnailer, {ours} with ours")
