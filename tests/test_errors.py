"""One error language: every refusal is a ``KonigleBgError`` (code, translatable message,
optional field), raised alike by the pure image core and the services, and mapped to HTTP once,
at the edges (the API's handler, the review pages, remove.bg's own shape)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from konigle_bg import services
from konigle_bg.api.errors import exception_handler
from konigle_bg.errors import KonigleBgError, gettext_noop
from konigle_bg.imaging.io import ImageRejected, decode
from konigle_bg.imaging.segment import SegmenterUnavailable, get_segmenter
from konigle_bg.removebg.service import RemoveBgError
from konigle_bg.removebg.views import error_response
from konigle_bg.urlfetch import FetchRefused

ROOT = Path(__file__).resolve().parent.parent

ERRORS = [
    ImageRejected("too_large", gettext_noop("The file is too large.")),
    SegmenterUnavailable("u2netp.onnx not found"),
    FetchRefused("dns", "The host x.invalid could not be found.", image_code=None),
    FetchRefused("bad_image", "Not an image.", image_code="not_an_image"),
    services.SourceUnavailable(gettext_noop("The original photo file is missing.")),
    services.InvalidRequest("box", "The box is outside the photo."),
    services.ThemeError(gettext_noop("This theme belongs to another store.")),
    services.ThemeRunError(("The theme %(name)r needs a background image.", {"name": "Snow"})),
    services.ThemeRunConflict("A theme switch is already running for this store."),
    RemoveBgError("invalid_roi", "Invalid roi parameter given", "x1 > x0 expected"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{type(e).__name__}-{e.code}")
def test_every_refusal_is_a_domain_error_and_survives_the_queue(error):
    assert isinstance(error, KonigleBgError)
    assert error.code and str(error) == error.message()
    again = pickle.loads(pickle.dumps(error))  # django-q pickles a failed task's error
    assert type(again) is type(error)
    assert (again.code, again.field, str(again)) == (error.code, error.field, str(error))
    assert again.__dict__ == error.__dict__  # image_code, detail...


def test_the_message_is_translated_where_it_is_shown_not_where_it_is_raised():
    error = services.ThemeRunError(
        ("The theme %(name)r is %(what)s.", {"name": "Snow", "what": "x"})
    )
    assert str(error) == "The theme 'Snow' is x."
    # The template goes through the reader's translation first, then the values fill it.
    shown = error.message(lambda template: template.replace("The theme", "Das Thema"))
    assert shown == "Das Thema 'Snow' is x."
    assert error.field == "theme" and error.code == "invalid_theme_run"


def test_the_image_core_raises_them_and_stays_free_of_django():
    with pytest.raises(KonigleBgError) as exc:
        decode(b"not an image at all")
    assert exc.value.code == "not_an_image"
    with pytest.raises(KonigleBgError) as exc:
        get_segmenter("no-such-backend")
    assert exc.value.kind == "unavailable"
    code = (
        "import sys, konigle_bg.errors, konigle_bg.imaging.io\n"
        "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            services.InvalidRequest("box", "The box is outside the photo."),
            400,
            {"box": ["The box is outside the photo."], "code": "invalid"},
        ),
        (
            services.SourceUnavailable("The original photo file is missing."),
            400,
            {"non_field_errors": ["The original photo file is missing."],
             "code": "source_unavailable"},
        ),  # fmt: skip
        (
            services.ThemeRunError("This theme belongs to another store."),
            400,
            {"theme": ["This theme belongs to another store."], "code": "invalid_theme_run"},
        ),
        (
            services.ThemeRunConflict("A theme switch is already running for this store."),
            409,
            {"code": "theme_run_open"},
        ),
        (SegmenterUnavailable("no model"), 503, {"code": "segmenter_unavailable"}),
    ],
)
def test_the_api_maps_them_once(error, status, body):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert body.items() <= response.data.items()
    assert response.data["detail"] == str(error)


def test_removebg_answers_in_its_own_shape_with_the_status_of_its_code():
    for code, status in [("invalid_roi", 400), ("auth_failed", 403), ("not_found", 404),
                         ("insufficient_credits", 402), ("rate_limit_exceeded", 429)]:  # fmt: skip
        response = error_response(RemoveBgError(code, "Title", "Detail"))
        assert response.status_code == status
        assert json.loads(response.content) == {
            "errors": [{"title": "Title", "code": code, "detail": "Detail"}]
        }


@pytest.mark.django_db
def test_a_review_page_shows_the_refusal_in_the_sellers_words(client, owner, make_product):
    """The review page's re-prompt with a box on a photo whose file is gone: the service's
    SourceUnavailable reaches the page as a message, not an error page."""
    product = make_product(photos=1)
    image = product.images.get()
    image.image.storage.delete(image.image.name)
    client.force_login(owner)
    resp = client.post(
        reverse("konigle_bg:reprompt", args=[image.pk]),
        {"x0": 1, "y0": 1, "x1": 50, "y1": 50},
        follow=True,
    )
    shown = [str(m) for m in resp.context["messages"]]
    assert resp.status_code == 200
    assert any("missing or unreadable" in m for m in shown), shown


@pytest.mark.django_db
def test_the_api_answers_a_domain_error_from_a_service(api, make_product):
    product = make_product(photos=1)
    image = product.images.get()
    image.image.storage.delete(image.image.name)
    resp = api.post(f"/api/bg/images/{image.pk}/reprompt/", {"box": [1, 1, 50, 50]}, format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "source_unavailable"
    assert "missing or unreadable" in resp.json()["detail"]
