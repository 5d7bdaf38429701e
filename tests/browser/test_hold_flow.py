"""A doubtful result waits for the seller, in a real browser against a live site and a real
worker: the photo is processed, the storefront still serves the original, the review grid
lists the photo first as held, one click accepts it, and the storefront serves the result."""

from __future__ import annotations

import io
import re
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.browser.test_seller_flows import shot
from tests.procs import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

ADD = """
import json
from django.core.files.base import ContentFile
from products.models import Product, ProductImage, Store
from tests.browser.test_hold_flow import out_of_focus
p = Product.objects.create(store=Store.objects.get(slug="corner"), title="Amber Glass Jar")
img = ProductImage(product=p, position=0)
img.image.save("jar.jpg", ContentFile(out_of_focus()), save=True)
p.publish()
print(json.dumps({"product": p.pk, "image": img.pk, "original": img.image.url}))
"""

STATE = """
import json
from konigle_bg.models import PhotoState, Variant
s = PhotoState.objects.select_related("held_variant").get(image_id={image})
v = Variant.objects.filter(image_id={image}, is_active=True).first()
print(json.dumps({{"status": s.status, "confidence": s.confidence,
                  "held": s.held_variant.file.url if s.held_variant else None,
                  "active": v.file.url if v else None}}))
"""


def out_of_focus(size=(480, 360)) -> bytes:
    """A product shot out of focus: its edge is a wide blur the model hesitates on, so the
    cut-out is a guess and its confidence low (u2netp: 0.25; 0.17 to 0.38 over other noise)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    disc = (np.hypot(x - w / 2, y - h / 2) < 100).astype(np.float32)
    disc = cv2.GaussianBlur(disc, (0, 0), 10)
    noise = np.random.default_rng(0).normal(0, 4, (h, w, 1))
    img = 170 + 60 * disc[..., None] * np.array([1.0, 0.6, 0.3]) + noise
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def served(site, url: str) -> bytes:
    with urllib.request.urlopen(f"{site.url}{url}", timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("image/")
        return resp.read()


def storefront_photo(page, site, product_id: int) -> str:
    page.goto(f"{site.url}/p/{product_id}/")
    page.wait_for_function("() => document.querySelector('.photos img').complete")
    return page.locator(".photos img").get_attribute("src")


def test_a_doubtful_result_waits_until_the_seller_accepts_it(site, page, tmp_path: Path):
    ids = site.json(ADD)
    product, image = ids["product"], ids["image"]
    state = wait_for(
        lambda: (lambda s: s if s["status"] == "done" else None)(
            site.json(STATE.format(image=image))
        ),
        timeout=180,
        interval=1,
        what="the photo processed by the worker",
    )
    threshold = 0.6  # the demo site's HOLD_THRESHOLD: its REVIEW_THRESHOLD
    assert state["confidence"] < threshold, f"the photo is not doubtful any more: {state}"
    assert state["held"] and "/variants/" in state["held"] and state["active"] is None

    # The storefront still serves the original, byte for byte.
    original = Path(site.media_path(ids["original"])).read_bytes()
    src = storefront_photo(page, site, product)
    assert src == ids["original"] and served(site, src) == original
    shot(page, tmp_path / "storefront-held.png")

    # The product's page shows the held result beside what the store shows.
    page.goto(f"{site.url}/bg/products/{product}/")
    section = page.locator(f"#photo-{image}")
    assert section.locator("img.bg-shown").get_attribute("src") == ids["original"]
    assert section.locator(f"#held-{image} img.bg-pending").get_attribute("src") == state["held"]
    shot(page, tmp_path / "product-held.png")

    # The review grid lists it first, as held, with the result, its confidence and a fix link.
    page.goto(f"{site.url}/bg/stores/{site.ids['store']}/")
    first = page.locator(".bg-card").first
    assert first.get_attribute("id") == f"card-{image}" and first.get_attribute("data-held")
    assert first.locator("img.after").get_attribute("src") == state["held"]
    assert first.locator("[data-field=status_label]").inner_text() == "Held for review"
    pct = round(100 * state["confidence"])
    assert first.locator("[data-field=confidence]").inner_text() == f"{pct}%"
    assert re.search(
        rf"/bg/products/{product}/#photo-{image}$",
        first.locator("a.bg-fix-link").get_attribute("href"),
    )
    assert "1 result waits for you" in page.locator("#held-summary").inner_text()
    shot(page, tmp_path / "grid-held.png")

    # One click.
    first.locator("button.bg-accept").click()
    page.wait_for_selector("text=accepted: it is shown now")
    card = page.locator(f"#card-{image}")
    assert not card.get_attribute("data-held") and card.locator(".bg-accept").count() == 0
    assert page.locator("#held-summary").count() == 0
    after = site.json(STATE.format(image=image))
    assert after["held"] is None and after["active"] == state["held"]

    # The storefront serves the result now.
    src = storefront_photo(page, site, product)
    assert src == state["held"] and served(site, src) == site.media_path(src).read_bytes()
    assert served(site, src) != original
    shot(page, tmp_path / "storefront-accepted.png")
