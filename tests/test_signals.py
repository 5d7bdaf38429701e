"""Publishing queues the photos once the transaction commits; raw loads and drafts do not."""

from __future__ import annotations

import pytest

from konigle_bg.models import PhotoState, Variant

pytestmark = pytest.mark.django_db


def test_publish_processes_photos(make_product, sync_jobs, django_capture_on_commit_callbacks):
    product = make_product(photos=2)
    assert not PhotoState.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product.publish()
    # One job per photo (each job, once done, adds its photo_changed signal after the commit).
    assert len([c for c in callbacks if c.__qualname__.startswith("enqueue.")]) == 2
    assert Variant.objects.filter(image__product=product, is_active=True).count() == 2


def test_saving_draft_queues_nothing(make_product, sync_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        product = make_product(photos=1)
        product.title = "Renamed"
        product.save()
    assert callbacks == []


def test_new_photo_on_published_product(
    make_product, sync_jobs, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from products.models import ProductImage
    from tests.conftest import photo_bytes

    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(published=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        img = ProductImage(product=product, position=5)
        img.image.save("extra.jpg", ContentFile(photo_bytes(seed=3)), save=True)
    assert callbacks
    assert Variant.objects.filter(image=img, is_active=True).exists()


def test_raw_fixture_load_is_skipped(make_product, sync_jobs, django_capture_on_commit_callbacks):
    from konigle_bg.signals import product_saved

    product = make_product(published=True)
    with django_capture_on_commit_callbacks() as callbacks:
        product_saved(type(product), product, created=True, raw=True)
    assert callbacks == []


def test_publishing_again_does_not_recompute(
    make_product, sync_jobs, django_capture_on_commit_callbacks
):
    from konigle_bg.models import Cutout

    with django_capture_on_commit_callbacks(execute=True):
        product = make_product(published=True)
    cut = Cutout.objects.get(image__product=product)
    with django_capture_on_commit_callbacks(execute=True):
        product.save()
        product.publish()
    assert Cutout.objects.filter(image__product=product).count() == 1
    assert Cutout.objects.get().updated == cut.updated
