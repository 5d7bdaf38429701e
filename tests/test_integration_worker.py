"""End to end with a real django-q2 cluster process on a file database (the demo's setup)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.procs import cluster, manage, shell, site_env, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
u = get_user_model().objects.create_user("owner", password="pw")
s = Store.objects.create(name="S", slug="s", owner=u)
p = Product.objects.create(store=s, title="Red Rubber Ball")
for i in range(2):
    img = ProductImage(product=p, position=i)
    img.image.save(f"p{i}.jpg", ContentFile(photo_bytes(seed=i)), save=True)
print(p.pk)
"""

STATE = """
import json
from konigle_bg.models import Variant
from products.models import ProductImage
rows = [
    {"image": i.pk, "original": i.image.path,
     "active": [v.file.path for v in Variant.objects.filter(image=i, is_active=True)],
     "variants": Variant.objects.filter(image=i).count()}
    for i in ProductImage.objects.all()
]
print(json.dumps(rows))
"""


def _state(env) -> list[dict]:
    return json.loads(shell(env, STATE).strip().splitlines()[-1])


def test_publish_with_real_worker_then_revert(tmp_path: Path):
    env = site_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    pk = int(shell(env, SETUP).strip().splitlines()[-1])
    originals = {r["image"]: Path(r["original"]).read_bytes() for r in _state(env)}

    with cluster(env, tmp_path / "worker.log") as proc:
        shell(env, f"from products.models import Product; Product.objects.get(pk={pk}).publish()")
        rows = wait_for(
            lambda: (lambda s: s if all(r["active"] for r in s) else None)(_state(env)),
            timeout=180,
            interval=1,
            what="both photos processed",
        )
        assert proc.poll() is None, "the worker died"

    for r in rows:
        variant = Path(r["active"][0])
        assert variant.exists() and variant.parent.name == "variants"
        assert variant.parent.parent == Path(r["original"]).parent
        assert Path(r["original"]).read_bytes() == originals[r["image"]]
    assert not list((tmp_path / "media").rglob("*.tmp-*"))

    shell(
        env,
        f"from konigle_bg.services import revert_product; from products.models import Product;"
        f"revert_product(Product.objects.get(pk={pk}))",
    )
    after = _state(env)
    assert all(r["active"] == [] and r["variants"] == 1 for r in after)
