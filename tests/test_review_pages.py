"""Review pages: the store grid (sorting, filter, query count at 2,000 photos), the product
page (history, revert, re-prompt by box), the JSON status, and store scoping."""

from __future__ import annotations

import json
import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from konigle_bg import services
from konigle_bg.models import BackgroundTheme, Cutout, Job, JobStatus, PhotoState, Variant
from products.models import Product, ProductImage, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger(django_user_model):
    """Staff of another store."""
    user = django_user_model.objects.create_user("stranger", password="pw", is_staff=True)
    Store.objects.create(name="Other", slug="other", owner=user)
    return user


def _bulk_photos(store, n: int, per_product: int = 20, seed: int = 1) -> list[ProductImage]:
    """``n`` photo rows with states and active variants, made in bulk (no cut-outs run)."""
    rng = random.Random(seed)
    products = Product.objects.bulk_create(
        Product(store=store, title=f"Product {i}", status="published")
        for i in range(n // per_product)
    )
    images = ProductImage.objects.bulk_create(
        ProductImage(product=p, image=f"products/{p.pk}/{j}/original.jpg", position=j)
        for p in products
        for j in range(per_product)
    )
    theme = services.active_theme(store)
    states, variants = [], []
    for k, img in enumerate(images):
        failed = k % 50 == 7
        states.append(
            PhotoState(
                image=img,
                status=JobStatus.FAILED if failed else JobStatus.DONE,
                error="The original photo file is missing." if failed else "",
                confidence=None if failed else round(rng.uniform(0.05, 0.99), 4),
            )
        )
        if not failed:
            variants.append(
                Variant(
                    image=img,
                    theme=theme,
                    source_checksum="x" * 64,
                    spec_hash=f"{k:016x}",
                    file=f"products/{img.product_id}/{k}/variants/v.jpg",
                    status=JobStatus.DONE,
                    is_active=True,
                )
            )
    PhotoState.objects.bulk_create(states)
    Variant.objects.bulk_create(variants)
    return images


def _card_ids(html: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'id="card-(\d+)"', html)]


def test_grid_queries_do_not_grow_with_page_size(owner_client, store, media):
    images = _bulk_photos(store, 2000)
    assert ProductImage.objects.count() == 2000
    url = reverse("konigle_bg:review-store", args=[store.pk])
    counts = {}
    for per_page in (25, 50, 200):
        with CaptureQueriesContext(connection) as ctx:
            resp = owner_client.get(url, {"per_page": per_page, "page": 3})
        assert resp.status_code == 200
        assert len(_card_ids(resp.content.decode())) == per_page
        counts[per_page] = len(ctx.captured_queries)
    assert counts[25] == counts[50] == counts[200], counts
    assert len(images) == 2000


def test_grid_page_of_50_within_query_budget(
    owner_client, store, media, django_assert_max_num_queries
):
    _bulk_photos(store, 2000)
    url = reverse("konigle_bg:review-store", args=[store.pk])
    with django_assert_max_num_queries(12):
        resp = owner_client.get(url, {"per_page": 50})
    assert len(_card_ids(resp.content.decode())) == 50


def test_grid_least_confident_first_and_needs_review_filter(owner_client, store, media, settings):
    _bulk_photos(store, 200)
    url = reverse("konigle_bg:review-store", args=[store.pk])
    ids = _card_ids(owner_client.get(url, {"per_page": 200}).content.decode())
    states = {s.image_id: s for s in PhotoState.objects.all()}
    failed = [i for i in ids if states[i].status == JobStatus.FAILED]
    assert ids[: len(failed)] == failed and failed  # failed ones lead
    confs = [states[i].confidence for i in ids[len(failed) :]]
    assert confs == sorted(confs)

    threshold = settings.KONIGLE_BG.get("REVIEW_THRESHOLD", 0.6)
    expected = {
        i
        for i, s in states.items()
        if s.status == JobStatus.FAILED or (s.confidence is not None and s.confidence < threshold)
    }
    resp = owner_client.get(url, {"needs_review": "on", "per_page": 200})
    assert set(_card_ids(resp.content.decode())) == expected
    assert 0 < len(expected) < 200


def test_grid_scoped_to_members(client, store, stranger, media):
    _bulk_photos(store, 20)
    client.force_login(stranger)
    assert client.get(reverse("konigle_bg:review-store", args=[store.pk])).status_code == 404
    image = ProductImage.objects.first()
    status = client.get(reverse("konigle_bg:image-status", args=[image.pk]))
    # The JSON endpoint answers in the API's error shape, not with an HTML page.
    assert status.status_code == 404
    assert status.json() == {"detail": "Not found.", "code": "not_found"}
    product_url = reverse("konigle_bg:review-product", args=[image.product_id])
    assert client.get(product_url).status_code == 404
    resp = client.post(reverse("konigle_bg:revert", args=[image.pk]))
    assert resp.status_code == 404
    resp = client.get(reverse("konigle_bg:images-status"), {"ids": str(image.pk)})
    assert resp.json() == {"images": []}


def test_anonymous_is_sent_to_the_admin_login(client, store):
    resp = client.get(reverse("konigle_bg:review-store", args=[store.pk]))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def test_staff_member_not_owner_sees_the_store(client, store, django_user_model, media):
    helper = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    store.staff.add(helper)
    _bulk_photos(store, 20)
    client.force_login(helper)
    resp = client.get(reverse("konigle_bg:review-store", args=[store.pk]))
    assert resp.status_code == 200 and len(_card_ids(resp.content.decode())) == 20


# ---------------------------------------------------------------- product page (real cut-outs)


@pytest.fixture
def photo(make_product):
    """A published product with one 320x240 photo, not processed (no signal-queued job)."""
    product = make_product(title="Red Rubber Ball for Dogs", photos=1, size=(320, 240))
    product.status = "published"
    product.save(update_fields=["status"])
    return product, product.images.get()


@pytest.fixture
def processed(photo):
    product, image = photo
    services.cut_out_and_show(image.pk)
    return product, image


def test_product_page_shows_original_result_history_and_prompt(owner_client, processed):
    product, image = processed
    resp = owner_client.get(reverse("konigle_bg:review-product", args=[product.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    active = Variant.objects.get(image=image, is_active=True)
    assert image.image.url in html and active.file.url in html
    assert "History (1 result)" in html
    # u2netp cannot read text: the field is disabled and says why, the box still works.
    assert not services.accepts_prompts()
    assert 'name="prompt"' in html and "disabled" in html.split('name="prompt"')[1].split(">")[0]
    assert "cannot take text prompts" in html
    assert 'name="x0"' in html
    # Pre-filled with the prompt derived from the title.
    assert 'value="red ball"' in html


def test_reprompt_with_box_makes_new_active_result(
    owner_client, processed, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    first = Variant.objects.get(image=image, is_active=True)
    url = reverse("konigle_bg:reprompt", args=[image.pk])
    with django_capture_on_commit_callbacks(execute=True):
        resp = owner_client.post(url, {"x0": 60, "y0": 40, "x1": 260, "y1": 200})
    assert resp.status_code == 302 and resp["Location"].endswith(f"#photo-{image.pk}")
    job = Job.objects.get(image=image)
    assert job.status == JobStatus.DONE and job.box == [60, 40, 260, 200]
    new = Variant.objects.get(image=image, is_active=True)
    assert new.pk != first.pk and new.cutout.box == [60, 40, 260, 200]
    page = owner_client.get(reverse("konigle_bg:review-product", args=[product.pk]))
    assert "History (2 results)" in page.content.decode()

    # Any result of the history can be shown again.
    owner_client.post(
        reverse("konigle_bg:activate", args=[image.pk]), {"variant": first.pk}, follow=True
    )
    assert Variant.objects.get(image=image, is_active=True).pk == first.pk
    for bad in ("abc", "", str(first.pk + 999)):
        resp = owner_client.post(
            reverse("konigle_bg:activate", args=[image.pk]), {"variant": bad}, follow=True
        )
        assert resp.status_code == 200 and "no such finished result" in resp.content.decode()
    assert Variant.objects.get(image=image, is_active=True).pk == first.pk


@pytest.mark.parametrize(
    "box, message",
    [
        ({"x0": 300, "y0": 10, "x1": 100, "y1": 200}, "x1 &gt; x0"),
        ({"x0": 900, "y0": 800, "x1": 1000, "y1": 900}, "outside the 320x240 photo"),
        ({"x0": 10, "y0": 10}, "all four corners"),
        ({}, "drag a box"),
    ],
)
def test_bad_reprompt_shows_reason_and_queues_nothing(owner_client, photo, box, message):
    product, image = photo
    resp = owner_client.post(reverse("konigle_bg:reprompt", args=[image.pk]), box, follow=True)
    assert message in resp.content.decode()
    assert not Job.objects.exists()


def test_revert_from_product_page_shows_original(owner_client, processed):
    product, image = processed
    resp = owner_client.post(reverse("konigle_bg:revert", args=[image.pk]), follow=True)
    assert "original is shown again" in resp.content.decode()
    assert services.display_url(image) == image.image.url
    storefront = owner_client.get(product.get_absolute_url()).content.decode()
    assert image.image.url in storefront
    assert Variant.objects.filter(image=image).count() == 1  # history kept


def test_status_json_and_batch(owner_client, processed):
    product, image = processed
    data = owner_client.get(reverse("konigle_bg:image-status", args=[image.pk])).json()
    assert data["status"] == "done" and data["display_url"].startswith("/media/")
    assert 0 <= data["confidence"] <= 1 and data["theme"] == "White"
    batch = owner_client.get(reverse("konigle_bg:images-status"), {"ids": f"{image.pk},x"})
    assert batch.status_code == 400 and "ids" in batch.json()["detail"]
    assert batch.json()["code"] == "invalid" and batch.json()["ids"]


def test_failed_job_reason_on_the_page(
    owner_client, processed, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    # The original vanishes: the re-prompt fails with a reason the seller can read.
    services_box = {"x0": 10, "y0": 10, "x1": 200, "y1": 200}
    import os

    size_path = image.image.path
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(reverse("konigle_bg:reprompt", args=[image.pk]), services_box)
    os.unlink(size_path)
    for cb in callbacks:
        cb()
    job = Job.objects.get(image=image)
    assert job.status == JobStatus.FAILED and "missing or unreadable" in job.error
    html = owner_client.get(reverse("konigle_bg:review-product", args=[product.pk])).content
    assert b"missing or unreadable" in html


def test_admin_links_to_review_pages(owner_client, photo, owner):
    owner.is_superuser = True
    owner.save()
    product, image = photo
    html = owner_client.get(
        reverse("admin:products_product_change", args=[product.pk])
    ).content.decode()
    assert reverse("konigle_bg:review-product", args=[product.pk]) in html
    store_url = reverse("konigle_bg:review-store", args=[product.store_id])
    changelist = owner_client.get(reverse("admin:products_store_changelist"))
    assert store_url in changelist.content.decode()
    change = owner_client.get(reverse("admin:products_store_change", args=[product.store_id]))
    assert store_url in change.content.decode()


def test_theme_switch_panel_lists_store_themes(owner_client, store, media):
    BackgroundTheme.objects.create(store=store, name="Snow", slug="snow", spec={})
    html = owner_client.get(reverse("konigle_bg:review-store", args=[store.pk])).content.decode()
    assert "Snow" in html and reverse("konigle_bg_api:themerun-list") in html
    assert json.loads(html.split('id="bg-config" type="application/json">')[1].split("<")[0])


def test_cutout_rows_untouched_by_views(owner_client, processed):
    """GET pages never write: no cut-out, variant or job appears from looking."""
    product, image = processed
    before = (Cutout.objects.count(), Variant.objects.count(), Job.objects.count())
    owner_client.get(reverse("konigle_bg:review-product", args=[product.pk]))
    owner_client.get(reverse("konigle_bg:review-store", args=[product.store_id]))
    assert (Cutout.objects.count(), Variant.objects.count(), Job.objects.count()) == before
    assert get_user_model().objects.count() == 1
