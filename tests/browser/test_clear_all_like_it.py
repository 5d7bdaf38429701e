""" "Clear all like it" in the editor, in a real browser against a live site, on a wire basket.

The automatic cut-out already clears the table seen through the mesh (``imaging.see_through``),
so the preview is checked for that first; the tool (key A) is then used on a hole: the click is
recorded as an "all" remove click and the preview keeps the holes clear and the wires. The
tool's clearing of holes the engine left is tested on the engine (test_corrections_lookalike)."""

from __future__ import annotations

import pytest

from tests.browser.test_corrections import SHOWN, _preview_alpha
from tests.procs import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.integration]

#: The basket's holes: 10 px squares every 16 px inside (100, 80)-(380, 280).
HOLES = [(100 + 6 + i * 16, 80 + 6 + j * 16) for i in range(17) for j in range(12)]

CREATE = """
import io, json
import numpy as np
from PIL import Image
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
rng = np.random.default_rng(5)
img = np.full((360, 480, 3), (232, 224, 210), np.float32) + rng.normal(0, 3, (360, 480, 1))
img[80:280, 100:380] = (55, 45, 40)
for x, y in {holes}:
    img[y:y + 10, x:x + 10] = (232, 224, 210) + rng.normal(0, 3, (10, 10, 1))
buf = io.BytesIO()
Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "PNG")
s = Store.objects.get(slug="corner")
p = Product.objects.create(store=s, title="Wire Mesh Basket")
im = ProductImage(product=p, position=0)
im.image.save("basket.png", ContentFile(buf.getvalue()), save=True)
p.publish()
print(json.dumps({{"product": p.pk, "image": im.pk}}))
"""


def test_one_click_clears_every_hole_of_the_mesh_in_the_preview(site, page):
    ids = site.json(CREATE.format(holes=HOLES))
    image = ids["image"]
    wait_for(
        lambda: (d := site.json(SHOWN.format(image=image))) and d["status"] == "done",
        timeout=180,
        interval=1,
        what="the basket photo processed",
    )
    page.goto(f"{site.url}/bg/products/{ids['product']}/")
    fix = f"#fix-{image}"
    page.wait_for_selector(f"{fix}[data-state=ready]")
    stage = page.locator(f"{fix} .bg-fix-preview")
    stage.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{fix} .bg-fix-preview').complete")
    centres = [(x + 5, y + 5) for x, y in HOLES]
    filled = [c for c in centres if _preview_alpha(page, fix, *c) >= 128]
    # The automatic cut-out shows no table inside the mesh (it kept all 204 before see_through).
    assert len(filled) <= 0.05 * len(centres), len(filled)
    box = stage.bounding_box()
    scale = box["width"] / 480
    target = centres[len(centres) // 2]
    page.locator(f"{fix} .bg-fix-stage").focus()
    page.keyboard.press("a")
    assert page.get_attribute(f"{fix} .bg-fix-all", "aria-pressed") == "true"
    page.mouse.click(box["x"] + target[0] * scale, box["y"] + target[1] * scale)
    page.wait_for_selector(f"{fix} .bg-fix-status:has-text('1 click')")
    page.wait_for_selector(f"{fix}[data-state=ready]")
    assert page.locator(f"{fix} circle.dot.remove.all").count() == 1
    cleared = [c for c in centres if _preview_alpha(page, fix, *c) < 128]
    assert len(cleared) >= 0.95 * len(centres), (len(cleared), len(centres))
    # The wires stay.
    assert _preview_alpha(page, fix, 100 + 3, 80 + 3) >= 128
    assert _preview_alpha(page, fix, 240, 80 + 3) >= 128
    assert not page.js_errors
