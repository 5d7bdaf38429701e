"""A store-wide theme switch end to end: ``manage.py bg_themes`` and a real qcluster process on
a file database, as the demo runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.procs import cluster, manage, shell, site_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Six photos: five with a cut-out already (seeded), one without (the worker cuts it out), and
# a seventh whose original vanished (it fails alone). Published with update(): no signals, so
# nothing is queued before the switch.
SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from konigle_bg import services
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
from tests.theme_fixtures import seed_cutout
u = get_user_model().objects.create_user("owner", password="pw")
s = Store.objects.create(name="S", slug="s", owner=u)
services.active_theme(s)
for i in range(7):
    p = Product.objects.create(store=s, title=f"Ball {i}")
    img = ProductImage(product=p, position=0)
    img.image.save(f"p{i}.jpg", ContentFile(photo_bytes(size=(320, 240), seed=i)), save=True)
    if i < 5:
        seed_cutout(img)
    if i == 6:
        img.image.storage.delete(img.image.name)
Product.objects.update(status="published")
"""

STATE = """
import json
from konigle_bg.models import Cutout, ThemeRun, Variant
from products.models import ProductImage
run = ThemeRun.objects.select_related("theme").get()
print(json.dumps({
    "run": {k: getattr(run, k) for k in ("state", "total", "done", "failed", "skipped")},
    "store_theme": run.theme.is_active,
    "images": [
        {"active": [v.theme.slug for v in Variant.objects.filter(image=i, is_active=True)],
         "cutouts": [c.duration_ms for c in Cutout.objects.filter(image=i)]}
        for i in ProductImage.objects.order_by("pk")
    ],
}))
"""


def test_switch_with_real_worker(tmp_path: Path):
    env = site_env(tmp_path, Q_WORKERS="2")
    manage(env, "migrate", "--noinput", "-v0")
    shell(env, SETUP)
    out = manage(env, "bg_themes", "install", "s", "--only", "studio")
    assert "studio" in out

    with cluster(env, tmp_path / "worker.log") as proc:
        out = manage(env, "bg_themes", "switch", "s", "studio", "--wait", "--timeout", "240")
        assert proc.poll() is None, "the worker died"
    assert "completed: 6 done, 1 failed" in out, out

    state = json.loads(shell(env, STATE).strip().splitlines()[-1])
    assert state["run"] == {"state": "completed", "total": 7, "done": 6, "failed": 1, "skipped": 0}
    assert state["store_theme"] is True
    images = state["images"]
    assert all(img["active"] == ["studio"] for img in images[:6])
    assert images[6]["active"] == []  # the vanished photo: nothing shown in its place
    # The five seeded cut-outs were re-used (never recomputed: no duration recorded); the
    # sixth photo got its cut-out first, in the worker.
    assert [img["cutouts"] for img in images[:5]] == [[None]] * 5
    assert len(images[5]["cutouts"]) == 1 and images[5]["cutouts"][0] is not None
    assert not list((tmp_path / "media").rglob("*.tmp-*"))
