"""REST API: store scoping, filters, revert/activate/reprompt with jobs, product actions,
themes with spec validation, theme runs, auth, and the OpenAPI schema + docs page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from konigle_bg import services
from konigle_bg.models import BackgroundTheme, Job, JobStatus, PhotoState, ThemeRun, Variant
from products.models import Store

pytestmark = pytest.mark.django_db

SIZE = (320, 240)


@pytest.fixture
def other_store(django_user_model):
    user = django_user_model.objects.create_user("other", password="pw")
    return Store.objects.create(name="Other", slug="other", owner=user)


@pytest.fixture
def photo(make_product):
    """A published product with one photo, not processed (no signal-queued job)."""
    product = make_product(title="Blue Ceramic Mug", photos=1, size=SIZE)
    product.status = "published"
    product.save(update_fields=["status"])
    return product, product.images.get()


@pytest.fixture
def processed(photo):
    product, image = photo
    services.cut_out_and_show(image.pk)
    return product, image


def _url(name, *args):
    return reverse(f"konigle_bg_api:{name}", args=args)


def test_anonymous_is_refused(client, store):
    resp = APIClient().get(_url("image-list"))
    assert resp.status_code == 401 and resp["WWW-Authenticate"].startswith("Token")
    assert APIClient().post(_url("themerun-list"), {}).status_code == 401


def test_token_auth(owner, photo):
    token = Token.objects.create(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    resp = client.get(_url("image-list"))
    assert resp.status_code == 200 and resp.json()["count"] == 1
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nope")
    assert bad.get(_url("image-list")).status_code == 401


def test_list_and_detail_are_scoped(api, photo, make_product, other_store):
    product, image = photo
    foreign = make_product(store=other_store, photos=1, size=SIZE).images.get()
    ids = [row["id"] for row in api.get(_url("image-list")).json()["results"]]
    assert ids == [image.pk]
    assert api.get(_url("image-detail", foreign.pk)).status_code == 404
    for action in ("revert", "reprompt", "activate"):
        assert api.post(_url(f"image-{action}", foreign.pk), {}).status_code == 404
    assert api.post(_url("product-revert", foreign.product_id)).status_code == 404


def test_detail_has_urls_variants_and_cutouts(api, processed):
    product, image = processed
    data = api.get(_url("image-detail", image.pk)).json()
    active = Variant.objects.get(image=image, is_active=True)
    assert data["original_url"].endswith(image.image.url)
    assert data["display_url"].endswith(active.file.url)
    assert data["status"] == "done" and 0 <= data["confidence"] <= 1
    assert [v["id"] for v in data["variants"]] == [active.pk] and data["variants"][0]["is_active"]
    assert len(data["cutouts"]) == 1 and data["cutouts"][0]["rgba_url"].endswith(".png")
    assert data["theme"] == "White" and data["product"] == product.pk


def test_list_filters_and_ordering(api, make_product, media):
    product = make_product(photos=3, size=SIZE)
    a, b, c = product.images.all()
    PhotoState.objects.create(image=a, status="done", confidence=0.9)
    PhotoState.objects.create(image=b, status="done", confidence=0.2)
    PhotoState.objects.create(image=c, status="failed", error="bad file")

    def ids(**params):
        resp = api.get(_url("image-list"), params)
        assert resp.status_code == 200, resp.content
        return [r["id"] for r in resp.json()["results"]]

    assert ids() == [c.pk, b.pk, a.pk]  # failed first, then least confident
    assert ids(ordering="confidence") == [b.pk, a.pk, c.pk]
    assert ids(ordering="-confidence") == [a.pk, b.pk, c.pk]
    assert ids(needs_review="true") == [c.pk, b.pk]
    assert ids(status="failed") == [c.pk]
    assert ids(product=product.pk + 1000) == []
    assert api.get(_url("image-list"), {"ordering": "title"}).status_code == 400
    assert "status" in api.get(_url("image-list"), {"status": "weird"}).json()


def test_revert_then_activate_from_history(api, processed):
    product, image = processed
    variant = Variant.objects.get(image=image, is_active=True)
    data = api.post(_url("image-revert", image.pk)).json()
    assert data["reverted"] and data["display_url"].endswith(image.image.url)
    assert data["active_variant"] is None
    resp = api.post(_url("image-activate", image.pk), {"variant": variant.pk}, format="json")
    assert resp.status_code == 200 and resp.json()["active_variant"] == variant.pk
    assert services.display_url(image) == variant.file.url


def test_activate_unknown_variant(api, processed, make_product):
    product, image = processed
    other = make_product(photos=1, size=SIZE, title="Other")
    other_image = other.images.get()
    other.status = "published"
    other.save(update_fields=["status"])
    services.cut_out_and_show(other_image.pk)
    foreign_variant = Variant.objects.get(image=other_image)
    for body in ({"variant": 999999}, {"variant": foreign_variant.pk}, {}, {"variant": "x"}):
        resp = api.post(_url("image-activate", image.pk), body, format="json")
        assert resp.status_code == 400 and "variant" in resp.json(), body


def test_reprompt_box_gives_job_that_finishes(
    api, processed, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(
            _url("image-reprompt", image.pk), {"box": [40, 30, 280, 230.4]}, format="json"
        )
    assert resp.status_code == 202, resp.content
    body = resp.json()
    assert resp["Location"] == body["url"] and body["status"] == "pending"
    assert body["box"] == [40, 30, 280, 230]
    job = api.get(body["url"]).json()
    assert job["status"] == "done" and job["error"] == "" and job["variant"]
    active = Variant.objects.get(image=image, is_active=True)
    assert active.pk == job["variant"] and active.cutout.box == [40, 30, 280, 230]
    # A box hanging past the edges is clamped to the photo.
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(
            _url("image-reprompt", image.pk), {"box": [-5, -5, 500, 500]}, format="json"
        )
    assert resp.status_code == 202 and resp.json()["box"] == [0, 0, *SIZE]


def test_reprompt_failure_has_a_reason(
    api, processed, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = api.post(_url("image-reprompt", image.pk), {"box": [0, 0, 100, 100]}, format="json")
    image.image.storage.delete(image.image.name)  # the original vanishes before the worker runs
    for cb in callbacks:
        cb()
    job = api.get(resp.json()["url"]).json()
    assert job["status"] == "failed" and "missing or unreadable" in job["error"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"box": [500, 400, 600, 500]}, "box"),  # outside the 320x240 photo
        ({"box": [100, 10, 50, 200]}, "box"),  # x1 <= x0
        ({"box": [10, 200, 100, 200]}, "box"),  # y1 <= y0
        ({"box": [1, 2, 3]}, "box"),
        ({"box": "1,2,3,4"}, "box"),
        ({"box": [0, 0, 2, 2]}, "box"),  # too small
        ({"prompt": "x" * 300}, "prompt"),
        ({"prompt": "red mug"}, "prompt"),  # u2netp cannot read text
        ({}, "non_field_errors"),
        ({"prompt": "  "}, "non_field_errors"),
    ],
)
def test_reprompt_bad_requests(api, photo, body, field):
    product, image = photo
    resp = api.post(_url("image-reprompt", image.pk), body, format="json")
    assert resp.status_code == 400, resp.content
    assert field in resp.json(), resp.json()
    assert not Job.objects.exists()


def test_product_revert_and_reprocess(
    api, processed, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    resp = api.post(_url("product-revert", product.pk))
    assert resp.json() == {"reverted": 1}
    assert services.display_url(image) == image.image.url
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(_url("product-reprocess", product.pk))
    assert resp.status_code == 202 and resp.json()["count"] == 1
    job = Job.objects.get(pk=resp.json()["jobs"][0]["id"])
    assert job.status == JobStatus.DONE and job.kind == "reprocess"
    assert services.display_url(image) != image.image.url
    assert not PhotoState.objects.get(image=image).reverted


def test_jobs_are_scoped(api, photo, other_store, make_product):
    product, image = photo
    foreign = make_product(store=other_store, photos=1, size=SIZE).images.get()
    mine = Job.objects.create(image=image, box=[0, 0, 10, 10])
    theirs = Job.objects.create(image=foreign, box=[0, 0, 10, 10])
    assert [j["id"] for j in api.get(_url("job-list")).json()["results"]] == [mine.pk]
    assert api.get(_url("job-detail", theirs.pk)).status_code == 404


# ---------------------------------------------------------------- themes


def test_theme_create_validates_spec(api, store, other_store):
    spec = {"background": {"kind": "solid", "color": "#EEF2F8"}, "framing": {"fill": 0.8}}
    resp = api.post(
        _url("theme-list"), {"store": store.pk, "name": "Soft Blue", "spec": spec}, format="json"
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["slug"] == "soft-blue" and data["spec"]["framing"]["fill"] == 0.8
    assert data["spec"]["output"]["format"] == "JPEG"  # normalised with defaults

    bad = {"store": store.pk, "name": "Bad", "spec": {"framing": {"fill": 7}}}
    resp = api.post(_url("theme-list"), bad, format="json")
    assert resp.status_code == 400 and "framing.fill" in resp.json()["spec"]
    bad["spec"] = {"background": {"kind": "plaid"}}
    assert "background.kind" in api.post(_url("theme-list"), bad, format="json").json()["spec"]
    bad["spec"] = {"bogus": 1}
    assert api.post(_url("theme-list"), bad, format="json").status_code == 400

    resp = api.post(
        _url("theme-list"), {"store": other_store.pk, "name": "X", "preset": "white"}, format="json"
    )
    assert resp.status_code == 400 and "store" in resp.json()
    resp = api.post(_url("theme-list"), {"store": store.pk, "name": "Soft Blue", "preset": "white"})
    assert resp.status_code == 400 and "slug" in resp.json()
    resp = api.post(
        _url("theme-list"), {"store": store.pk, "name": "Snowy", "preset": "winter-snow"}
    )
    assert resp.status_code == 201 and resp.json()["spec"]["background"]["kind"] == "pattern"


def test_theme_update_and_scoping(api, store, other_store):
    theme = BackgroundTheme.objects.create(store=store, name="A", slug="a", spec={})
    foreign = BackgroundTheme.objects.create(store=other_store, name="B", slug="b", spec={})
    assert [t["id"] for t in api.get(_url("theme-list")).json()["results"]] == [theme.pk]
    resp = api.patch(_url("theme-detail", theme.pk), {"name": "Renamed"}, format="json")
    assert resp.status_code == 200 and resp.json()["name"] == "Renamed"
    resp = api.patch(
        _url("theme-detail", theme.pk), {"spec": {"shadow": {"opacity": 3}}}, format="json"
    )
    assert resp.status_code == 400 and "shadow.opacity" in resp.json()["spec"]
    assert api.patch(_url("theme-detail", foreign.pk), {"name": "x"}).status_code == 404
    # The store of a theme does not change.
    api.patch(_url("theme-detail", theme.pk), {"store": other_store.pk}, format="json")
    theme.refresh_from_db()
    assert theme.store_id == store.pk


# ---------------------------------------------------------------- theme runs


def test_theme_run_start_progress_cancel(
    api, processed, store, other_store, sync_jobs, django_capture_on_commit_callbacks
):
    product, image = processed
    theme = BackgroundTheme.objects.create(
        store=store, name="Grey", slug="grey", spec={"background": {"color": "#DDDDDD"}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(_url("themerun-list"), {"theme": theme.pk}, format="json")
    assert resp.status_code == 201, resp.content
    run = api.get(_url("themerun-detail", resp.json()["id"])).json()
    assert run["total"] == 1 and run["percent"] == 100 and run["state"] == "completed"
    assert Variant.objects.get(image=image, is_active=True).theme_id == theme.pk
    resp = api.post(_url("themerun-cancel", run["id"]))
    assert resp.status_code == 400 and "state" in resp.json()

    foreign = BackgroundTheme.objects.create(store=other_store, name="F", slug="f", spec={})
    resp = api.post(_url("themerun-list"), {"theme": foreign.pk}, format="json")
    assert resp.status_code == 400 and "theme" in resp.json()


def test_theme_run_cancel_open_run(api, processed, store):
    theme = BackgroundTheme.objects.create(store=store, name="Grey", slug="grey", spec={})
    # No worker here and no SYNC: the run stays open until cancelled.
    resp = api.post(_url("themerun-list"), {"theme": theme.pk}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["state"] in ("pending", "running")
    second = api.post(_url("themerun-list"), {"theme": theme.pk}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "theme_run_open"
    resp = api.post(_url("themerun-cancel", resp.json()["id"]))
    assert resp.status_code == 200 and resp.json()["state"] == "cancelled"
    assert ThemeRun.objects.get().cancel_requested


# ---------------------------------------------------------------- schema and docs


def test_schema_and_docs_page_served_locally(api):
    resp = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    schema = resp.json()
    for path in (
        "/api/bg/images/",
        "/api/bg/images/{id}/reprompt/",
        "/api/bg/jobs/{id}/",
        "/api/bg/products/{id}/reprocess/",
        "/api/bg/themes/",
        "/api/bg/theme-runs/{id}/cancel/",
    ):
        assert path in schema["paths"], path
    docs = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_image_list_query_count_does_not_grow(api, store, media):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_review_pages import _bulk_photos

    _bulk_photos(store, 20)
    with CaptureQueriesContext(connection) as small:
        assert len(api.get(_url("image-list")).json()["results"]) == 20
    _bulk_photos(store, 200, seed=2)
    with CaptureQueriesContext(connection) as full:
        assert len(api.get(_url("image-list")).json()["results"]) == 50
    assert len(full.captured_queries) == len(small.captured_queries) <= 8
