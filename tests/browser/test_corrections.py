"""Fixing a cut-out with clicks, in a real browser against a live site with a real worker.

The demo photo's automatic cut-out keeps a sticky note lying on the desk and drops the box's
tag: one right-click (remove) on the note and one click (add) on the tag repair it, checked by
the pixels of the stored result; undo and redo change the preview; Apply shows the corrected
photo, the history says "corrected (2 clicks)", and a theme switch re-uses the corrected cut-out.
The title names a set (several things), so the automatic cut-out keeps every blob, the note too.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from products.demo_photos import DESK_BOX, DESK_NOTE, DESK_TAG
from tests.procs import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

CREATE = """
import json
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
from products.demo_photos import desk_clutter_photo
s = Store.objects.get(slug="corner")
p = Product.objects.create(store=s, title="Desk Organiser Kit, Blue")
img = ProductImage(product=p, position=0)
img.image.save("desk.jpg", ContentFile(desk_clutter_photo()), save=True)
p.publish()
print(json.dumps({"product": p.pk, "image": img.pk}))
"""

SHOWN = """
import json
from konigle_bg.models import PhotoState, Variant
v = Variant.objects.filter(image_id={image}, is_active=True).select_related("cutout", "theme")
v = v.first()
s = PhotoState.objects.filter(image_id={image}).first()
print(json.dumps(None if v is None else {{
    "status": s.status if s else "", "variant": v.pk, "cutout": v.cutout_id,
    "mask": v.cutout.mask.url, "corrections": v.cutout.corrections, "theme": v.theme.slug,
}}))
"""

SWITCH = """
import json
from products.models import Store
from konigle_bg import services
from konigle_bg.models import BackgroundTheme
s = Store.objects.get(slug="corner")
run = services.start_theme_run(s, BackgroundTheme.objects.get(store=s, slug="soft-grey"))
print(json.dumps(run.pk))
"""

RUN_STATE = """
import json
from konigle_bg.models import ThemeRun
print(json.dumps(ThemeRun.objects.get(pk={run}).state))
"""


def _mean_alpha(mask: np.ndarray, box) -> float:
    x0, y0, x1, y1 = box
    return float((mask[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3] > 127).mean())


def _mask(site, url: str) -> np.ndarray:
    return np.asarray(Image.open(site.media_path(url)).convert("L"))


def _centre(box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _preview_alpha(page, fix, x: float, y: float) -> int:
    """Alpha of the editor's preview image at photo pixel (x, y), read through a canvas."""
    return page.evaluate(
        """([sel, x, y]) => {
            const root = document.querySelector(sel), img = root.querySelector('.bg-fix-preview');
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            const s = img.naturalWidth / +root.dataset.width;
            return ctx.getImageData(Math.round(x * s), Math.round(y * s), 1, 1).data[3];
        }""",
        [fix, x, y],
    )


def test_two_clicks_repair_the_cut_out_and_survive_a_theme_switch(site, page, tmp_path: Path):
    ids = site.json(CREATE)
    image = ids["image"]
    auto = wait_for(
        lambda: (d := site.json(SHOWN.format(image=image))) and d["status"] == "done" and d,
        timeout=180,
        interval=1,
        what="the desk photo processed",
    )
    before = _mask(site, auto["mask"])
    # The automatic cut-out's two faults, which the clicks are for (a kit is different things,
    # so the automatic cut-out keeps the note: prompts.subject_of).
    assert _mean_alpha(before, DESK_NOTE) > 0.9 and _mean_alpha(before, DESK_TAG) < 0.1

    page.goto(f"{site.url}/bg/products/{ids['product']}/")
    fix = f"#fix-{image}"
    page.wait_for_selector(f"{fix}[data-state=ready]")
    stage = page.locator(f"{fix} .bg-fix-preview")
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    scale = box["width"] / 480

    def at(px: float, py: float) -> tuple[float, float]:
        return box["x"] + px * scale, box["y"] + py * scale

    # Right-click on the note: remove.
    page.mouse.click(*at(*_centre(DESK_NOTE)), button="right")
    page.wait_for_selector(f"{fix} .bg-fix-status:has-text('1 click')")
    page.wait_for_selector(f"{fix}[data-state=ready]")
    assert _preview_alpha(page, fix, *_centre(DESK_NOTE)) < 128
    # Click on the tag: add.
    page.mouse.click(*at(*_centre(DESK_TAG)))
    page.wait_for_selector(f"{fix} .bg-fix-status:has-text('2 clicks')")
    page.wait_for_selector(f"{fix}[data-state=ready]")
    assert page.locator(f"{fix} circle.dot.remove").count() == 1
    assert page.locator(f"{fix} circle.dot.add").count() == 1
    assert _preview_alpha(page, fix, *_centre(DESK_TAG)) >= 128

    # Undo (keyboard) takes the tag out again; redo brings it back.
    page.locator(f"{fix} .bg-fix-stage").focus()
    page.keyboard.press("z")
    page.wait_for_selector(f"{fix} .bg-fix-status:has-text('1 click')")
    page.wait_for_selector(f"{fix}[data-state=ready]")
    assert page.locator(f"{fix} circle.dot").count() == 1
    assert _preview_alpha(page, fix, *_centre(DESK_TAG)) < 128
    page.click(f"{fix} .bg-fix-redo")
    page.wait_for_selector(f"{fix} .bg-fix-status:has-text('2 clicks')")
    page.wait_for_selector(f"{fix}[data-state=ready]")
    assert _preview_alpha(page, fix, *_centre(DESK_TAG)) >= 128
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    # Apply: the corrected photo is made by the worker and shown; the page reloads.
    page.click(f"{fix} .bg-fix-apply")
    page.wait_for_selector(
        f"#photo-{image} .bg-history .active .bg-corrected:has-text('2 clicks')", timeout=120_000
    )
    shown = site.json(SHOWN.format(image=image))
    assert shown["cutout"] != auto["cutout"] and len(shown["corrections"]) == 2
    after = _mask(site, shown["mask"])
    assert _mean_alpha(after, DESK_NOTE) < 0.05
    assert _mean_alpha(after, DESK_TAG) > 0.9
    assert _mean_alpha(after, DESK_BOX) > 0.98
    # The store shows the corrected photo.
    src = page.locator(f"#photo-{image} img.bg-shown").get_attribute("src")
    assert re.search(r"/variants/", src)

    # A store-wide theme switch re-composites the corrected cut-out; nothing is re-cut.
    run = site.json(SWITCH)
    wait_for(
        lambda: site.json(RUN_STATE.format(run=run)) == "completed",
        timeout=180,
        interval=1,
        what="theme switch",
    )
    switched = site.json(SHOWN.format(image=image))
    assert switched["theme"] == "soft-grey" and switched["cutout"] == shown["cutout"]
    # The automatic result is still in the history and can be shown again.
    page.reload()
    assert page.locator(f"#photo-{image} .bg-history li").count() >= 3
