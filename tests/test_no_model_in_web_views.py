"""Models load only where they run: a web page or an API list never builds a segmenter
session (a CLIPSeg or cascade backend would put hundreds of MB into every web process), and a
web process that answers /v1.0/removebg loads one model, once, with REMOVEBG_THREADS.

What the pages need to know about the backend (does it take prompts?) comes from the
registry's metadata (``imaging.segment.capabilities``)."""

from __future__ import annotations

import base64
import logging

import onnxruntime
import pytest
from django.urls import reverse

from konigle_bg import services, workers
from konigle_bg.imaging.segment import capabilities, clear_sessions
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(monkeypatch, caplog):
    """Every onnxruntime session and every segmenter session built from here on (with the
    thread count each onnxruntime session was given)."""
    built: list[int] = []
    real = onnxruntime.InferenceSession

    class Counting(real):
        def __init__(self, path, sess_options=None, **kwargs):
            built.append(sess_options.intra_op_num_threads if sess_options else 0)
            super().__init__(path, sess_options=sess_options, **kwargs)

    monkeypatch.setattr(onnxruntime, "InferenceSession", Counting)
    caplog.set_level(logging.INFO, logger="konigle_bg")

    class Seen:
        onnx = built

        @property
        def segmenters(self) -> list[str]:
            return [r.getMessage() for r in caplog.records if "segmenter session" in r.message]

        @property
        def thread_pools(self) -> list[str]:
            return [r.getMessage() for r in caplog.records if "thread(s) per process" in r.message]

    clear_sessions()  # the sessions earlier tests (and the set-up) built in this process
    yield Seen()
    clear_sessions()


@pytest.fixture
def processed(make_product):
    """A published product whose photo was cut out and shown (a model ran for it, here)."""
    product = make_product(photos=1, published=True)
    image = product.images.get()
    assert services.cut_out_and_show(image.pk).status == "done"
    assert services.display_url(image) != image.image.url
    return product, image


@pytest.mark.parametrize("segmenter", ["u2netp", "cascade", "auto"])
def test_review_pages_and_api_lists_load_no_model(
    segmenter, processed, sessions, settings, client, api, owner
):
    product, image = processed
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": segmenter, "SYNC": False}
    client.force_login(owner)
    pages = [
        reverse("konigle_bg:review-product", args=[product.pk]),
        reverse("konigle_bg:review-store", args=[product.store_id]),
        reverse("konigle_bg:image-status", args=[image.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    for url in ("/api/bg/images/", f"/api/bg/images/{image.pk}/", "/api/bg/jobs/"):
        assert api.get(url).status_code == 200, url
    # Validating a re-prompt reads whether the backend takes prompts (none of these do).
    resp = api.post(f"/api/bg/images/{image.pk}/reprompt/", {"prompt": "mug"}, format="json")
    assert resp.status_code == 400 and "prompt" in resp.json()
    assert "cannot take text prompts" in client.get(pages[0]).content.decode()

    assert sessions.onnx == [], "an onnxruntime session was built by a web request"
    assert sessions.segmenters == []
    assert sessions.thread_pools == [], "a web request sized the thread pools as a worker"


def test_capabilities_are_read_without_building(sessions, tmp_path):
    assert capabilities("u2netp").input_size == 320 and not capabilities("u2netp").accepts_prompts
    assert capabilities("isnet").input_size == 1024
    assert capabilities("clipseg").needs_torch and capabilities("oneformer").needs_torch
    assert not capabilities("auto").needs_torch and not capabilities("cascade").needs_torch
    # Prompt-reading backends take prompts only once their weights are there.
    empty = tmp_path / "models"
    empty.mkdir()
    assert not capabilities("clipseg", models_dir=empty, model="nobody/none").accepts_prompts
    assert not capabilities("auto", models_dir=empty, clipseg_model="nobody/none").accepts_prompts
    assert sessions.onnx == [] and sessions.segmenters == []


def test_the_prompt_flag_follows_the_weights(tmp_path, settings, monkeypatch):
    """``services.accepts_prompts`` answers as a built backend would, without building it."""
    from konigle_bg.imaging.segment import devices, weights

    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "clipseg", "MODELS_DIR": tmp_path}
    monkeypatch.setattr(devices, "torch_stack_available", lambda: True)
    monkeypatch.setattr(weights, "weights_present", lambda model, models_dir=None: False)
    assert services.accepts_prompts() is False
    monkeypatch.setattr(weights, "weights_present", lambda model, models_dir=None: True)
    assert services.accepts_prompts() is True
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "u2netp"}
    assert services.accepts_prompts() is False


def test_removebg_loads_the_model_once_per_process_with_its_threads(
    sessions, settings, client, store, monkeypatch
):
    from konigle_bg.removebg import keys

    settings.KONIGLE_BG = {
        **settings.KONIGLE_BG,
        "REMOVEBG_THREADS": 1,
        "REMOVEBG_CUTOUT_CACHE_SECONDS": 0,
    }
    monkeypatch.setattr(workers, "_configured", {})  # a web process that never ran a job
    _, raw = keys.create_key(store, "test")
    for seed in (1, 2):
        resp = client.post(
            "/api/bg/v1.0/removebg",
            {"image_file_b64": base64.b64encode(photo_bytes(seed=seed)).decode()},
            HTTP_X_API_KEY=raw,
        )
        assert resp.status_code == 200
    assert sessions.onnx == [1], "one model, built once, with REMOVEBG_THREADS threads"
    assert len(sessions.segmenters) == 1
