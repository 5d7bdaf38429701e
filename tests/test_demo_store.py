"""``load_demo_store``: the demo catalogue, rendered by the project or from the user's photos."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from products.models import Product, Store
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_rendered_demo_store(media):
    call_command("load_demo_store")
    store = Store.objects.get(slug="demo")
    products = list(store.products.prefetch_related("images"))
    assert len(products) >= 12
    assert all(1 <= len(p.images.all()) <= 3 for p in products)
    published = [p for p in products if p.is_published]
    assert len(published) > len(products) / 2
    assert len(published) < len(products)  # drafts to publish by hand in the admin
    assert store.owner.check_password("admin") and store.owner.is_superuser
    call_command("load_demo_store")  # idempotent: a second run adds nothing
    assert store.products.count() == len(products)


def test_store_from_user_photos(media, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "red_rubber-ball.jpg").write_bytes(photo_bytes())
    (folder / "blue mug.png").write_bytes(photo_bytes(fmt="PNG", colour=(20, 20, 200)))
    (folder / "notes.txt").write_text("not a photo")
    call_command("load_demo_store", "--photos", str(folder), "--reset")
    titles = sorted(Product.objects.values_list("title", flat=True))
    assert titles == ["Blue mug", "Red rubber ball"]
    assert all(p.is_published and p.images.count() == 1 for p in Product.objects.all())


def test_missing_photo_folder(media, tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("load_demo_store", "--photos", str(tmp_path / "nope"))
