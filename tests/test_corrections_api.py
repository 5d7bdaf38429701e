"""POST /api/bg/images/{id}/corrections/: validation with the field named, store scope,
the synchronous preview, the queued job that stores and shows the corrected cut-out, a theme
switch that re-uses it, and the OpenAPI schema."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from konigle_bg import services
from konigle_bg.models import Cutout, Job, JobStatus, Variant
from products.models import Store

pytestmark = pytest.mark.django_db

SIZE = (320, 240)


@pytest.fixture
def processed(make_product):
    product = make_product(title="Blue Ceramic Mug", photos=1, size=SIZE)
    product.status = "published"
    product.save(update_fields=["status"])
    image = product.images.get()
    services.cut_out_and_show(image.pk)
    return image


def _url(pk):
    return reverse("konigle_bg_api:corrections", args=[pk])


def _alpha_of(cutout: Cutout) -> np.ndarray:
    with cutout.mask.open("rb") as fh:
        return np.asarray(Image.open(fh).convert("L"), np.float32) / 255.0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"clicks": [], "strokes": []}, "clicks"),
        ({}, "clicks"),
        ({"clicks": [{"x": 400, "y": 10, "positive": True}]}, "clicks"),
        ({"clicks": [{"x": -1, "y": 10}]}, "clicks"),
        ({"clicks": [{"x": 5, "y": 5}] * 51}, "clicks"),
        ({"clicks": [{"x": "a", "y": 5}]}, "clicks"),
        ({"strokes": [{"points": [[10, 10], [999, 10]], "radius": 4}]}, "strokes"),
        ({"strokes": [{"points": [], "radius": 4}]}, "strokes"),
        # "clear all like it" is a remove click; an edge stroke needs a path and a band.
        ({"clicks": [{"x": 5, "y": 5, "positive": True, "all": True}]}, "clicks"),
        ({"clicks": [{"x": 5, "y": 5, "positive": False, "all": "maybe"}]}, "clicks"),
        ({"strokes": [{"points": [[10, 10]], "radius": 8, "edge": True}]}, "strokes"),
        ({"strokes": [{"points": [[10, 10], [40, 10]], "radius": 0, "edge": True}]}, "strokes"),
        ({"strokes": [{"points": [[10, 10], [40, 10]], "radius": 999, "edge": True}]}, "strokes"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, processed, body, field):
    for preview in (True, False):
        resp = api.post(_url(processed.pk), {**body, "preview": preview}, format="json")
        assert resp.status_code == 400, resp.content
        assert field in resp.json(), resp.json()
    assert not Job.objects.filter(kind=Job.Kind.CORRECT).exists()


def test_another_stores_photo_is_a_404(api, make_product, django_user_model):
    other = django_user_model.objects.create_user("other", password="pw")
    shop = Store.objects.create(name="Other", slug="other", owner=other)
    foreign = make_product(store=shop, photos=1, size=SIZE).images.get()
    body = {"clicks": [{"x": 5, "y": 5, "positive": False}], "preview": True}
    assert api.post(_url(foreign.pk), body, format="json").status_code == 404
    assert APIClient().post(_url(foreign.pk), body, format="json").status_code == 401


def test_a_photo_without_a_cut_out_is_a_400(api, make_product):
    image = make_product(photos=1, size=SIZE).images.get()
    resp = api.post(_url(image.pk), {"clicks": [{"x": 5, "y": 5}], "preview": True}, "json")
    assert resp.status_code == 400 and "no cut-out yet" in str(resp.json())


def test_preview_answers_at_once_and_stores_nothing(api, processed):
    before = (Cutout.objects.count(), Variant.objects.count(), Job.objects.count())
    # The test photo: a red disc in the middle on a textured background.
    body = {"clicks": [{"x": 10, "y": 10, "positive": True}], "preview": True}
    resp = api.post(_url(processed.pk), body, format="json")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["preview"].startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(data["preview"].split(",", 1)[1])))
    assert img.mode == "RGBA" and img.size == SIZE
    assert img.getpixel((10, 10))[3] >= 128  # the positive click's pixel joined
    assert (Cutout.objects.count(), Variant.objects.count(), Job.objects.count()) == before


def test_apply_makes_a_job_that_stores_and_shows_the_corrected_cut_out(
    api, processed, sync_jobs, django_capture_on_commit_callbacks
):
    auto = Cutout.objects.get(image=processed)
    a0 = _alpha_of(auto)
    cy, cx = 120, 160  # inside the disc: the automatic cut-out holds it
    assert a0[cy, cx] > 0.5
    body = {"clicks": [{"x": cx, "y": cy, "positive": False}]}
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(_url(processed.pk), body, format="json")
    assert resp.status_code == 202, resp.content
    assert resp["Location"] == resp.json()["url"]
    job = Job.objects.get(pk=resp.json()["id"])
    assert job.kind == Job.Kind.CORRECT and job.status == JobStatus.DONE, job.error
    corrected = job.variant.cutout
    assert corrected.pk != auto.pk and corrected.details["base"] == auto.pk
    assert corrected.corrections == [{"x": cx, "y": cy, "positive": False, "all": False}]
    assert _alpha_of(corrected)[cy, cx] < 0.5
    assert job.variant.is_active
    # The old result is still in the history and can be shown again.
    old = Variant.objects.get(image=processed, cutout=auto)
    services.activate(old)
    assert not Variant.objects.get(pk=job.variant.pk).is_active
    # The same clicks again: the same cut-out, not a second one.
    with django_capture_on_commit_callbacks(execute=True):
        api.post(_url(processed.pk), body, format="json")
    assert Cutout.objects.filter(image=processed).count() == 2


def test_a_theme_switch_reuses_the_corrected_cut_out(
    api, processed, store, sync_jobs, django_capture_on_commit_callbacks
):
    body = {"clicks": [{"x": 160, "y": 120, "positive": False}]}
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.post(_url(processed.pk), body, format="json").json()["id"]
    corrected = Job.objects.get(pk=job_id).variant.cutout
    theme = services.preset_theme(store, "transparent")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_theme_run(store, theme)
    shown = Variant.objects.get(image=processed, is_active=True)
    assert shown.theme_id == theme.pk and shown.cutout_id == corrected.pk


def test_the_schema_documents_the_endpoint(api):
    resp = api.get(reverse("schema"), {"format": "json"})
    assert resp.status_code == 200
    op = resp.json()["paths"]["/api/bg/images/{id}/corrections/"]["post"]
    assert {"200", "202", "400", "401", "404"} <= set(op["responses"])
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/Corrections")


def test_a_clear_all_click_and_an_edge_stroke_preview(api, processed):
    """The new fields reach the engine: an edge stroke along the disc and an "all" click
    outside it answer a preview that differs from the plain one where the click is."""
    body = {
        "clicks": [{"x": 10, "y": 10, "positive": False, "all": True}],
        "strokes": [{"points": [[100, 60], [160, 50], [220, 60]], "radius": 10, "edge": True}],
        "preview": True,
    }
    resp = api.post(_url(processed.pk), body, format="json")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["clicks"] == 1 and data["strokes"] == 1
    img = Image.open(io.BytesIO(base64.b64decode(data["preview"].split(",", 1)[1])))
    assert img.getpixel((10, 10))[3] < 128  # the remove click's pixel is background
