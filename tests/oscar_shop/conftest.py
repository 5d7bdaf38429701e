"""Fixtures of the tests run inside the stock Oscar shop (tests/test_oscar_shop.py runs them:
files ``oscar_*.py``, settings ``tests.oscar_shop.shop.settings``). Imports stay inside the
fixtures: the main test session walks this folder too, without Oscar installed as an app."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

BACKGROUND = (90, 120, 160)


def ball_photo(seed: int = 0) -> bytes:
    """A red ball on a blue-grey textured backdrop (the same bytes for the same seed)."""
    img = Image.new("RGB", (320, 240), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for x in range(-60, 320, 16):
        draw.line((x, 0, x + 60, 240), fill=(80, 110, 150), width=2)
    r = 60 + seed % 5
    draw.ellipse((160 - r, 120 - r, 160 + r, 120 + r), fill=(205, 30, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def corners(img) -> list:
    img = img.convert("RGB")
    w, h = img.size
    return [img.getpixel((x, y)) for x, y in ((1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2))]


def is_white(pixels) -> bool:
    return all(min(p) >= 245 for p in pixels)


def is_backdrop(pixels) -> bool:
    return all(max(abs(a - b) for a, b in zip(p, BACKGROUND, strict=True)) < 25 for p in pixels)


@pytest.fixture
def sync(settings):
    settings.KONIGLE_BG = {"SYNC": True}


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")


@pytest.fixture
def partner():
    from oscar.core.loading import get_model

    return get_model("partner", "Partner").objects.create(name="Corner shop")


@pytest.fixture
def make_product(partner, django_capture_on_commit_callbacks):
    """A product with photos (and a stock record of ``partner``), published or not; jobs
    queued by its saves run at once when the ``sync`` fixture is on."""
    from django.core.files.base import ContentFile
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    ProductImage = get_model("catalogue", "ProductImage")
    StockRecord = get_model("partner", "StockRecord")

    def make(title="Red ball", photos=1, public=True, seed=0, owner=partner):
        kind, _ = ProductClass.objects.get_or_create(name="Toys", slug="toys")
        with django_capture_on_commit_callbacks(execute=True):
            product = Product.objects.create(title=title, product_class=kind, is_public=public)
            StockRecord.objects.create(
                product=product,
                partner=owner,
                partner_sku=f"sku-{product.pk}",
                price=5,
                num_in_stock=10,
            )
            for i in range(photos):
                image = ProductImage(product=product, display_order=i)
                image.original.save(f"ball{i}.jpg", ContentFile(ball_photo(seed + i)))
        return product

    return make
