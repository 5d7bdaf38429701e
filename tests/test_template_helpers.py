"""``{% bg_image_url %}``, ``|bg_url`` and ``|bg_file`` take anything and fall back to what
they were given; a listing page costs one query for all its photos."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import path
from PIL import Image

from konigle_bg import services
from konigle_bg.models import Variant
from konigle_bg.storage import derived

pytestmark = pytest.mark.django_db


def render(text: str, **context) -> str:
    return Template("{% load konigle_bg %}" + text).render(Context(context))


class MissingImage:
    """Like django-oscar's MissingProductImage: a name in the default storage, no url."""

    name = "image_not_found.jpg"


def test_a_photo_shows_its_result_and_its_original_when_there_is_none(make_product, sync_jobs):
    product = make_product(photos=2)
    done, untouched = product.images.all()
    services.process_again(done.pk)
    active = Variant.objects.get(image=done, is_active=True)
    assert render("{% bg_image_url p %}", p=done) == active.file.url
    assert render("{{ p|bg_url }}", p=done) == active.file.url
    assert render("{{ p.image|bg_url }}", p=done) == active.file.url  # the photo's own file
    assert render("{% bg_image_url p %}", p=untouched) == untouched.image.url
    services.revert_image(done)
    assert render("{{ p|bg_url }}", p=done) == done.image.url


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("", ""),
        ("/static/shop/no-photo.png", "/static/shop/no-photo.png"),
        ({"original": "image_not_found.jpg", "caption": "", "is_missing": True}, "placeholder"),
        (MissingImage(), "placeholder"),
        (42, ""),  # no URL in it: nothing
    ],
)
def test_anything_else_falls_back_to_what_it_was_given(value, expected):
    if expected == "placeholder":
        expected = default_storage.url("image_not_found.jpg")
    for text in ("{% bg_image_url v %}", "{{ v|bg_url }}"):
        assert render(text, v=value) == expected, (text, value)
    assert services_display_file(value) is value or isinstance(value, dict)


def services_display_file(value):
    from konigle_bg.services import display

    return display.shown_file(value)


def test_bg_file_gives_the_storage_file_a_thumbnailer_reads(make_product, sync_jobs):
    from konigle_bg.services import display

    product = make_product(photos=1)
    image = product.images.get()
    assert display.shown_file(image) == image.image  # the original until processed
    services.process_again(image.pk)
    shown = display.shown_file(image)
    assert shown.storage is derived and shown.name.startswith(image.image.name.rsplit("/", 1)[0])
    with shown.open("rb") as fh:  # what sorl-thumbnail / easy-thumbnails do with it
        assert Image.open(io.BytesIO(fh.read())).size[0] > 0
    placeholder = {"original": "image_not_found.jpg"}
    assert display.shown_file(placeholder) == "image_not_found.jpg"
    assert display.shown_file(None) is None


LISTING = "{% for p in products %}{% for i in p.images.all %}[{{ i|NAME }}]{% endfor %}{% endfor %}"


def listing(request, name: str):
    from products.models import Product

    text = "{% load konigle_bg %}" + LISTING.replace("NAME", name)
    return HttpResponse(Template(text).render(Context({"products": Product.objects.all()})))


urlpatterns = [
    path("plain/", listing, {"name": "default:''"}),  # no helper: the shop's own queries
    path("shown/", listing, {"name": "bg_url"}),
]


def test_a_listing_of_24_products_costs_one_query(settings, client, make_product, sync_jobs):
    settings.ROOT_URLCONF = __name__
    products = [make_product(title=f"Ball {i}", colour=(200, 10 * i, 40)) for i in range(24)]
    for product in products[::3]:
        services.process_again(product.images.get().pk)

    with CaptureQueriesContext(connection) as plain:
        client.get("/plain/")
    with CaptureQueriesContext(connection) as shown:
        page = client.get("/shown/").content.decode()
    assert len(shown) == len(plain) + 1, (len(plain), len(shown))
    assert page.count("/variants/") == 8 and page.count("[") == 24
