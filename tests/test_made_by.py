"""The review page says which model made each result: the fast model's name, or the
cascade's larger model "(second opinion)" when its cut-out was the one kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from konigle_bg import services
from konigle_bg.models import Cutout
from tests.test_hold import SMALL
from tests.theme_fixtures import seed_cutout

pytestmark = pytest.mark.django_db


def cascade_record(kept: str) -> dict:
    return {
        "cascade": {
            "threshold": 0.6,
            "signals": {"confidence": 0.4, "subject": 0.2, "holes": 0.1, "thin": 0.0},
            "fast": {"segmenter": "u2netp@1", "confidence": 0.4},
            "large": {"segmenter": "isnet@isnet-general-use-1", "confidence": 0.8},
            "kept": kept,
        }
    }


def product_page(client, owner, image) -> str:
    client.force_login(owner)
    html = client.get(reverse("konigle_bg:review-product", args=[image.product_id]))
    return html.content.decode()


@pytest.mark.parametrize(
    ("details", "shown"),
    [
        ({}, "made by u2netp"),
        (cascade_record("fast"), "made by u2netp"),
        (cascade_record("large"), "made by isnet (second opinion)"),
    ],
)
def test_each_shown_result_names_its_model(client, owner, make_product, details, shown):
    image = make_product(title="Mesh Pencil Holder", published=True, **SMALL).images.get()
    cut = seed_cutout(image)
    Cutout.objects.filter(pk=cut.pk).update(details=details)
    services.cut_out_and_show(image.pk)
    assert services.photo_status(image).made_by == shown.removeprefix("made by ")
    html = product_page(client, owner, image)
    card = html[html.index(f'id="photo-{image.pk}"') :]
    assert card.count("bg-made-by") == 1 and shown in card
    if "second" not in shown:
        assert "second opinion" not in html
