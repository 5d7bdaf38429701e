"""The seller's side in a real browser, against a live site with a real worker.

Publish -> the processed photo appears on the review grid; a box dragged around the right
subject -> the new result replaces the wrong one; revert -> the storefront shows the original;
a store-wide theme switch -> the progress bar reaches 100%.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.photos import BLUE_BOX, colour_counts
from tests.procs import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

STATE = """
import json
from konigle_bg.models import PhotoState, Variant
ids = [{ids}]
out = {{}}
for i in ids:
    s = PhotoState.objects.filter(image_id=i).first()
    v = Variant.objects.filter(image_id=i, is_active=True).select_related("cutout").first()
    out[i] = {{"status": s.status if s else "", "reverted": bool(s and s.reverted),
              "active": v.file.url if v else None, "box": v.cutout.box if v and v.cutout else None}}
print(json.dumps(out))
"""


def shot(page, path: Path) -> None:
    """Screenshot once images have loaded and transitions (progress bars) have run."""
    loaded = "() => [...document.images].every(i => i.complete || i.loading === 'lazy')"
    page.wait_for_function(loaded)
    page.wait_for_timeout(600)
    page.screenshot(path=str(path), full_page=True)


def states(site, *ids: int) -> dict:
    data = site.json(STATE.format(ids=", ".join(map(str, ids))))
    return {int(k): v for k, v in data.items()}


def processed(site, image_id: int, timeout: float = 180) -> dict:
    def done():
        s = states(site, image_id)[image_id]
        return s if s["status"] == "done" and s["active"] else None

    return wait_for(done, timeout=timeout, interval=1, what=f"photo {image_id} processed")


def test_publish_then_processed_photo_appears_on_grid(site, page, tmp_path: Path):
    ids = site.ids
    # Publish from the admin, the way a seller does.
    page.goto(f"{site.url}/admin/products/product/")
    page.check(f"input[name=_selected_action][value='{ids['ball']}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector("text=1 product(s) published.")

    # The store's admin links to the review grid.
    page.goto(f"{site.url}/admin/products/store/")
    page.click("a.bg-review-store")
    page.wait_for_url(re.compile(rf"/bg/stores/{ids['store']}/"))
    card = page.locator(f"#card-{ids['ball_img']}")
    card.wait_for()
    # The grid polls while the worker cuts the photo out; the card turns done by itself.
    page.wait_for_selector(f"#card-{ids['ball_img']}[data-status=done]", timeout=180_000)
    after = card.locator("img.after").get_attribute("src")
    assert "/variants/" in after
    assert card.locator("[data-field=status_label]").inner_text() == "Done"
    assert re.search(r"\d+%", card.locator("[data-field=confidence]").inner_text())
    # The slider reveals the result over the original.
    card.locator("input.bg-slider").fill("10")
    assert "10%" in card.locator(".bg-compare").get_attribute("style")
    assert page.evaluate(
        "src => fetch(src).then(r => r.ok && r.headers.get('content-type'))", after
    ).startswith("image/")
    shot(page, tmp_path / "grid.png")


def test_drag_box_around_right_subject_replaces_result(site, page, tmp_path: Path):
    image_id = site.ids["pair_img"]
    first = processed(site, image_id)
    # The automatic guess took the big red ball.
    assert colour_counts(site.media_path(first["active"]))["red"] > 500

    page.goto(f"{site.url}/bg/products/{site.ids['pair']}/")
    section = page.locator(f"#photo-{image_id}")
    assert section.locator("input[name=prompt]").is_disabled()  # u2netp takes no text
    assert "cannot take text prompts" in section.inner_text()
    original = section.locator("img.bg-original")
    original.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=original.element_handle()
    )
    box = original.bounding_box()
    scale = box["width"] / 480  # shown smaller than the photo: the page scales back
    x0, y0, x1, y1 = BLUE_BOX
    page.mouse.move(box["x"] + x0 * scale, box["y"] + y0 * scale)
    page.mouse.down()
    page.mouse.move(box["x"] + (x0 + x1) / 2 * scale, box["y"] + (y0 + y1) / 2 * scale, steps=4)
    page.mouse.move(box["x"] + x1 * scale, box["y"] + y1 * scale, steps=4)
    page.mouse.up()
    assert section.locator(".bg-sel").is_visible()
    sent = [
        int(section.locator(f"input[name={k}]").input_value()) for k in ("x0", "y0", "x1", "y1")
    ]
    assert all(abs(a - b) <= 3 for a, b in zip(sent, BLUE_BOX, strict=True)), sent
    shot(page, tmp_path / "box.png")

    shown_before = section.locator("img.bg-shown").get_attribute("src")
    section.locator("button[type=submit]", has_text="Re-prompt").click()
    page.wait_for_selector("text=re-prompt queued")
    # No reload by hand: the page polls and swaps the new result in when the job is done.
    page.wait_for_function(
        """([id, before]) => {
            const s = document.querySelector('#photo-' + id);
            const img = s && s.querySelector('img.bg-shown');
            return s && s.dataset.status === 'done' && img.getAttribute('src') !== before;
        }""",
        arg=[image_id, shown_before],
        timeout=180_000,
    )
    now = states(site, image_id)[image_id]
    assert now["box"] == sent
    new_src = page.locator(f"#photo-{image_id} img.bg-shown").get_attribute("src")
    assert new_src == now["active"] != first["active"]
    counts = colour_counts(site.media_path(new_src))
    assert counts["blue"] > 500 and counts["red"] < 50, counts
    assert "History (2 results)" in page.locator(f"#photo-{image_id}").inner_text()
    # The swapped-in section is live: it shows the remembered box and takes a new drag.
    sel = page.locator(f"#photo-{image_id} .bg-sel")
    assert sel.is_visible() and sel.bounding_box()["width"] > 50
    fresh = page.locator(f"#photo-{image_id} img.bg-original").bounding_box()
    page.mouse.move(fresh["x"] + 20, fresh["y"] + 20)
    page.mouse.down()
    page.mouse.move(fresh["x"] + 120, fresh["y"] + 100, steps=3)
    page.mouse.up()
    assert page.locator(f"#photo-{image_id} input[name=x1]").input_value() != ""
    shot(page, tmp_path / "reprompted.png")


def test_revert_shows_original_on_storefront(site, page, tmp_path: Path):
    image_id, product_id = site.ids["mug_img"], site.ids["mug"]
    processed(site, image_id)
    # The admin's product page links to the review page.
    page.goto(f"{site.url}/admin/products/product/{product_id}/change/")
    page.click("#bg-review-link")
    page.wait_for_url(re.compile(rf"/bg/products/{product_id}/"))
    section = page.locator(f"#photo-{image_id}")
    original_src = section.locator("img.bg-original").get_attribute("src")
    assert section.locator("img.bg-shown").get_attribute("src") != original_src
    section.locator("button.bg-revert").click()
    page.wait_for_selector("text=the original is shown again")
    section = page.locator(f"#photo-{image_id}")
    assert section.locator("img.bg-shown").get_attribute("src") == original_src
    assert "Original (reverted)" in section.inner_text()

    page.goto(f"{site.url}/p/{product_id}/")
    srcs = page.locator(".photos img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    assert srcs == [original_src]
    assert page.evaluate("() => document.querySelector('.photos img').naturalWidth") == 480
    shot(page, tmp_path / "storefront.png")


def test_admin_theme_switch_progress_reaches_100(site, page, tmp_path: Path):
    """The theme-switch admin pages: choose, preview, confirm, watch the bar fill."""
    processed(site, site.ids["pair_img"])
    page.goto(f"{site.url}/admin/konigle_bg/backgroundtheme/")
    page.click("#bg-switch-store-theme")
    page.click("a.bg-theme-choice:text-is('Soft grey')")
    page.click("input[type=submit][value='Switch the store to Soft grey']")
    page.wait_for_url(re.compile(r"/runs/\d+/"))
    page.wait_for_function(
        "() => document.getElementById('bg-percent').textContent.trim() === '100'"
        " && document.getElementById('bg-state').textContent.trim() === 'Completed'",
        timeout=180_000,
    )
    assert page.locator("#bg-bar").get_attribute("aria-valuenow") == "100"
    assert page.locator("#bg-cancel").is_hidden()
    shot(page, tmp_path / "admin-theme-switch.png")
    # The review grid shows the photo on the new theme.
    page.goto(f"{site.url}/bg/stores/{site.ids['store']}/")
    card = page.locator(f"#card-{site.ids['pair_img']}")
    assert card.locator("[data-field=theme]").inner_text() == "Soft grey"


def test_theme_switch_from_review_grid_progress_reaches_100(site, page, tmp_path: Path):
    """The same switch through the REST API, driven by the review grid's progress bar."""
    processed(site, site.ids["pair_img"])
    page.goto(f"{site.url}/bg/stores/{site.ids['store']}/")
    page.select_option("#theme-switch-form select[name=theme]", label="Winter snow")
    page.click("#theme-switch-form button[type=submit]")
    page.wait_for_selector(".bg-run:not([hidden])")
    page.wait_for_function(
        "() => document.getElementById('run-progress').value === 100 "
        "&& document.getElementById('theme-switch').dataset.state === 'completed'",
        timeout=180_000,
    )
    assert "100%" in page.locator("#run-text").inner_text()
    assert page.locator("#run-cancel").is_hidden()
    # The cards follow without a reload.
    page.wait_for_selector(
        f"#card-{site.ids['pair_img']} [data-field=theme]:text-is('Winter snow')", timeout=10_000
    )
    shot(page, tmp_path / "theme-switch.png")
    # The switched photo now shows on the new theme.
    active = states(site, site.ids["pair_img"])[site.ids["pair_img"]]["active"]
    page.reload()
    card = page.locator(f"#card-{site.ids['pair_img']}")
    assert card.locator("img.after").get_attribute("src") == active
    assert card.locator("[data-field=theme]").inner_text() == "Winter snow"
    shot(page, tmp_path / "after-switch.png")


def test_api_docs_page_renders_offline(site, page, tmp_path: Path):
    """Swagger UI comes from the sidecar's static files: requests off the site are refused."""
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(site.url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    page.route("**/*", only_local)
    page.goto(f"{site.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "konigle_bg API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("text=/api/bg/images/{id}/reprompt/")
    assert outside == []
    shot(page, tmp_path / "api-docs.png")
