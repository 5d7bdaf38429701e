"""Result files are never shared between photos, whatever the shop's upload layout, and a
deleted photo takes only the files no other row uses (django-oscar puts every photo of a month
in one folder: two photos with the same bytes used to share, and delete, one result)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from konigle_bg import services
from konigle_bg.models import Cutout, Variant
from konigle_bg.storage import derived
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db

FOLDER = "images/products/2026/12"  # one folder for every photo, as Oscar's uploads


@pytest.fixture
def twins(make_product, media):
    """Two published products whose photos have the same bytes, in one folder."""
    from products.models import ProductImage

    data = photo_bytes(seed=7)
    photos = []
    for name in ("a", "b"):
        product = make_product(photos=0, title=f"Ball {name}")
        path = default_storage.save(f"{FOLDER}/ball.jpg", ContentFile(data))
        photos.append(ProductImage.objects.create(product=product, image=path))
        product.publish()
    return photos


def files_of(image) -> set[str]:
    names = {v.file.name for v in Variant.objects.filter(image=image) if v.file}
    for c in Cutout.objects.filter(image=image):
        names |= {c.rgba.name, c.mask.name, services.packed_name(c.rgba.name)}
    return names


def test_twins_get_results_of_their_own(twins):
    a, b = twins
    for photo in twins:
        assert services.cut_out_and_show(photo.pk).status == "done"
    assert files_of(a) and files_of(b) and not files_of(a) & files_of(b)
    shown = Variant.objects.get(image=b, is_active=True).file.name
    assert shown.startswith(f"{FOLDER}/variants/{b.pk}-")
    assert Cutout.objects.get(image=b).rgba.name.startswith(f"{FOLDER}/cutouts/{b.pk}-")


def test_deleting_one_twin_leaves_the_others_result_served(
    twins, django_capture_on_commit_callbacks
):
    a, b = twins
    for photo in twins:
        services.cut_out_and_show(photo.pk)
    gone, kept = files_of(a), files_of(b)
    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert not any(derived.exists(n) for n in gone)
    assert all(derived.exists(n) for n in kept)
    url = services.display_url(b)
    assert "/variants/" in url and derived.exists(
        Variant.objects.get(image=b, is_active=True).file.name
    )


def test_results_named_before_shared_by_twins_survive_either_delete(
    twins, django_capture_on_commit_callbacks, media
):
    """Rows written under the old content-only names still point at one file for both twins:
    the file goes with the last row that uses it, never before."""
    a, b = twins
    for photo in twins:
        services.cut_out_and_show(photo.pk)
    old = f"{FOLDER}/variants/0123456789abcdef.jpg"
    source = Variant.objects.get(image=a, is_active=True).file.name
    shutil.copy(Path(media) / source, Path(media) / old)
    Variant.objects.filter(is_active=True).update(file=old)  # both rows, one legacy file

    with django_capture_on_commit_callbacks(execute=True):
        a.delete()
    assert derived.exists(old)  # b still shows it
    assert services.display_url(b).endswith(old)
    with django_capture_on_commit_callbacks(execute=True):
        b.delete()
    assert not derived.exists(old)


RACE_SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
u = get_user_model().objects.create_user("owner", password="pw")
store = Store.objects.create(name="S", slug="s", owner=u)
ids = []
for name in ("a", "b"):
    p = Product.objects.create(store=store, title="Ball " + name)
    data = ContentFile(photo_bytes(seed=7))
    path = default_storage.save("images/products/2026/12/ball.jpg", data)
    ids.append(ProductImage.objects.create(product=p, image=path).pk)
Product.objects.update(status="published")  # no signal: nothing processed before the switch
print(*ids)
"""
RACE_START = """
from konigle_bg import services
from products.models import Store
store = Store.objects.get()
print(services.start_theme_run(store, services.preset_theme(store, "studio")).pk)
"""
RACE_STATE = """
import json
from konigle_bg.models import ThemeRun, Variant
from products.models import ProductImage
run = ThemeRun.objects.get()
shown = [v.file.path for v in Variant.objects.filter(is_active=True)]
images = list(ProductImage.objects.values_list("pk", flat=True))
print(json.dumps({"state": run.state, "done": run.done, "failed": run.failed,
                  "skipped": run.skipped, "images": images, "shown": shown}))
"""


@pytest.mark.slow
@pytest.mark.integration
def test_a_delete_racing_a_theme_switch(tmp_path: Path):
    """A real worker switches the theme of two twin photos; one is deleted while the worker is
    in the middle of it (held at a gate inside its cut-out). The run ends, the other twin shows
    its result, from a file of its own."""
    from tests.procs import cluster, manage, shell, site_env, wait_for

    gate = tmp_path / "gate"
    gate.touch()
    env = site_env(
        tmp_path,
        DJANGO_EXTRA_APPS="tests.faults",
        KONIGLE_BG_SEGMENTER="test-gated",
        KONIGLE_BG_SEGMENTER_OPTIONS=json.dumps({"dir": str(tmp_path), "sleep": 120}),
    )
    manage(env, "migrate", "--noinput", "-v0")
    a, b = (int(x) for x in shell(env, RACE_SETUP).strip().splitlines()[-1].split())
    with cluster(env, tmp_path / "worker.log"):
        shell(env, RACE_START)
        wait_for(lambda: list(tmp_path.glob("started-*")), 120, what="the switch under way")
        shell(
            env,
            f"from products.models import ProductImage; ProductImage.objects.get(pk={a}).delete()",
        )
        gate.unlink()
        try:
            state = wait_for(
                lambda: (lambda s: s if s["state"] != "running" else None)(
                    json.loads(shell(env, RACE_STATE).strip().splitlines()[-1])
                ),
                timeout=150,
                interval=1,
                what="the switch to end",
            )
        except AssertionError as exc:
            raise AssertionError((tmp_path / "worker.log").read_text()[-4000:]) from exc
    log = (tmp_path / "worker.log").read_text()
    assert state["state"] == "completed", (state, log[-3000:])
    assert state["images"] == [b] and state["done"] == 1, state
    (shown,) = state["shown"]
    assert Path(shown).is_file() and Path(shown).name.startswith(f"{b}-")
    results = (tmp_path / "media" / "images").rglob("*")
    left = [p.name for p in results if p.parent.name in ("variants", "cutouts")]
    assert left and all(name.startswith(f"{b}-") for name in left), left  # none of a's
