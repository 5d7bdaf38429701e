"""SEGMENTER = "cascade" through the service path: both results stored in the cut-out's
details, and the review page says the large model checked it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from konigle_bg.imaging.segment import clear_sessions
from konigle_bg.models import Cutout
from tests.tiny_onnx import save_dark_is_salient


@pytest.fixture
def cascade_settings(settings, tmp_path, monkeypatch):
    models = tmp_path / "models"
    save_dark_is_salient(models / "isnet-general-use.onnx", 1024, gain=20.0)
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "empty"))
    settings.KONIGLE_BG = {
        **settings.KONIGLE_BG,
        "SEGMENTER": "cascade",
        "MODELS_DIR": str(models),
        "CASCADE_THRESHOLD": 1.0,  # every photo is doubtful: the large model always runs
        "SYNC": True,
    }
    clear_sessions()
    yield
    clear_sessions()


@pytest.mark.django_db(transaction=True)
def test_cascade_records_both_results_and_the_review_page_shows_it(
    cascade_settings, make_product, client, owner
):
    product = make_product(published=True)
    cut = Cutout.objects.get(image__product=product)
    record = cut.details["cascade"]
    assert record["threshold"] == 1.0
    assert record["fast"]["segmenter"].startswith("u2netp@")
    assert record["large"]["segmenter"].startswith("isnet@")
    assert record["kept"] in ("fast", "large")
    kept = record[record["kept"]]["confidence"]
    assert cut.confidence == pytest.approx(kept, abs=1e-3)
    assert "+isnet-" in cut.segmenter  # the larger model is part of the cache key
    client.force_login(owner)
    html = client.get(reverse("konigle_bg:review-product", args=[product.pk])).content.decode()
    assert "checked by the large model" in html
