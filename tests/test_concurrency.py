"""Races between what a seller asks for: the last request wins, rows never duplicate.

Interleavings are made deterministic: a revert runs *inside* a re-prompt's cut-out through the
test-only ``test-hook`` segmenter (tests.faults), and queued jobs are captured with
``django_capture_on_commit_callbacks`` and run in the order under test. The database
constraints that back the code are proven with direct inserts (IntegrityError).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

import tests.faults.apps as faults
from konigle_bg import services, tasks
from konigle_bg.imaging.compose import PRESETS
from konigle_bg.models import BackgroundTheme, Cutout, JobStatus, PhotoState, ThemeRun, Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(settings):
    """Segment with the real model, calling faults.HOOK in the middle of the cut-out."""
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "test-hook"}
    faults.HOOK.clear()
    yield faults.HOOK
    faults.HOOK.clear()


def shown(image) -> Variant | None:
    return Variant.objects.filter(image=image, is_active=True).first()


# ------------------------------------------------------------------ revert vs re-prompt


def test_revert_during_a_reprompt_wins(hooked, make_product):
    product = make_product(published=True)
    image = product.images.get()
    assert services.cut_out_and_show(image.pk).status == "done"
    assert shown(image) is not None
    hooked.append(lambda: services.revert_image(image))  # the owner reverts mid-way

    outcome = services.reprompt_photo(image.pk, prompt="", box=[40, 30, 440, 330])

    assert outcome.status == "reverted" and outcome.variant is not None  # the work is kept ...
    assert outcome.reason == ""  # the status says it all: no text on a result made
    assert shown(image) is None  # ... but not shown: the revert came last
    state = PhotoState.objects.get(image=image)
    assert state.reverted and state.status == JobStatus.DONE


def test_revert_between_request_and_run_wins(make_product, sync_jobs):
    product = make_product(published=True)
    image = product.images.get()
    services.cut_out_and_show(image.pk)
    # The re-prompt is queued (generation taken now) and the revert lands before it runs.
    with transaction.atomic():
        generation = services.mark_queued(image.pk)
    services.revert_image(image)
    tasks.process_image(image.pk, box=[40, 30, 440, 330], generation=generation)
    assert shown(image) is None and PhotoState.objects.get(image=image).reverted


def test_reprompt_after_revert_is_shown(hooked, make_product):
    product = make_product(published=True)
    image = product.images.get()
    services.cut_out_and_show(image.pk)
    services.revert_image(image)
    services.reprompt_photo(image.pk, prompt="", box=[40, 30, 440, 330])  # after the revert
    variant = shown(image)
    assert variant is not None and variant.cutout.box == [40, 30, 440, 330]
    assert not PhotoState.objects.get(image=image).reverted


def test_revert_during_an_api_reprompt_job(hooked, make_product, owner):
    from konigle_bg.models import Job

    product = make_product(published=True)
    image = product.images.get()
    services.cut_out_and_show(image.pk)
    generation = PhotoState.objects.get(image=image).generation
    job = Job.objects.create(image=image, kind=Job.Kind.REPROMPT, box=[40, 30, 440, 330])
    hooked.append(lambda: services.revert_image(image))
    services.run_seller_job(job.pk, generation)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert shown(image) is None


# ------------------------------------------------------------------ theme switches


def _theme(store, slug: str) -> BackgroundTheme:
    preset = PRESETS[slug]
    return BackgroundTheme.objects.create(
        store=store, name=preset.label, slug=slug, preset=slug, spec=preset.to_dict()
    )


def _slugs() -> tuple[str, str]:
    slugs = sorted(PRESETS)
    return slugs[0], slugs[1]


def test_two_switches_at_once(store, make_product, sync_jobs, django_capture_on_commit_callbacks):
    product = make_product(published=True, photos=2)
    for image in product.images.all():
        services.cut_out_and_show(image.pk)
    a, b = (_theme(store, s) for s in _slugs())

    with django_capture_on_commit_callbacks() as queued:
        first = services.start_theme_run(store, a)
    with pytest.raises(services.ThemeRunError):
        services.start_theme_run(store, b)  # refused while the first is open
    assert ThemeRun.objects.filter(store=store).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ThemeRun.objects.create(store=store, theme=b, state=ThemeRun.State.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    first.refresh_from_db()
    assert first.state == ThemeRun.State.COMPLETED
    with django_capture_on_commit_callbacks(execute=True):
        second = services.start_theme_run(store, b)  # the owner's last choice
    second.refresh_from_db()
    assert second.state == ThemeRun.State.COMPLETED
    assert BackgroundTheme.objects.get(store=store, is_active=True) == b
    for image in product.images.all():
        assert shown(image).theme == b
        assert Variant.objects.filter(image=image, is_active=True).count() == 1


@pytest.mark.parametrize("order", ["switch_first", "publish_first"])
def test_publish_during_a_switch_ends_on_the_new_theme(
    order, store, make_product, sync_jobs, django_capture_on_commit_callbacks
):
    old = make_product(published=True)
    services.cut_out_and_show(old.images.get().pk)
    _, slug = _slugs()
    new_theme = _theme(store, slug)
    late = make_product(title="Blue Mug")  # still a draft when the switch starts

    with django_capture_on_commit_callbacks() as switch_jobs:
        run = services.start_theme_run(store, new_theme)
    with django_capture_on_commit_callbacks() as publish_jobs:
        late.publish()
    assert switch_jobs and publish_jobs
    ordered = switch_jobs + publish_jobs if order == "switch_first" else publish_jobs + switch_jobs
    with django_capture_on_commit_callbacks(execute=True):  # and whatever they queue
        for callback in ordered:
            callback()

    run.refresh_from_db()
    assert run.state == ThemeRun.State.COMPLETED
    for product in (old, late):
        image = product.images.get()
        assert shown(image).theme == new_theme, (order, product.title)
        assert PhotoState.objects.get(image=image).status == JobStatus.DONE


# ------------------------------------------------------------------ constraints, not only code


def test_database_refuses_duplicates(store, make_product):
    product = make_product(published=True)
    image = product.images.get()
    services.cut_out_and_show(image.pk)
    variant = shown(image)
    cut = variant.cutout

    def refused(create) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            create()

    # a second active variant of one photo
    refused(
        lambda: Variant.objects.create(
            image=image,
            cutout=cut,
            source_checksum="x",
            spec_hash="other",
            status="done",
            is_active=True,
        )
    )
    # an active variant that is not finished
    refused(
        lambda: Variant.objects.create(
            image=image, source_checksum="x", spec_hash="half", status="running", is_active=True
        )
    )
    # the same rendering twice
    refused(
        lambda: Variant.objects.create(
            image=image, source_checksum="x", spec_hash=variant.spec_hash
        )
    )
    # the same cut-out twice
    refused(
        lambda: Cutout.objects.create(
            image=image, source_checksum=cut.source_checksum, spec_hash=cut.spec_hash
        )
    )
    # two states for one photo
    refused(lambda: PhotoState.objects.create(image=image))
    # two active themes in one store
    active = BackgroundTheme.objects.get(store=store, is_active=True)
    other = _theme(store, next(s for s in PRESETS if s != active.slug))
    refused(lambda: BackgroundTheme.objects.filter(pk=other.pk).update(is_active=True))
    # two open switches in one store
    ThemeRun.objects.create(store=store, theme=other, state=ThemeRun.State.RUNNING)
    refused(lambda: ThemeRun.objects.create(store=store, theme=active, state="pending"))


def test_same_job_twice_makes_one_row_each(make_product):
    product = make_product(published=True)
    image = product.images.get()
    first = services.cut_out_and_show(image.pk)
    again = services.cut_out_and_show(image.pk)  # a re-delivered task
    assert first.variant.pk == again.variant.pk
    assert Cutout.objects.filter(image=image).count() == 1
    assert Variant.objects.filter(image=image).count() == 1


# ------------------------------------------------------------------ two processes at once

RACE_SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from konigle_bg.imaging.compose import PRESETS
from konigle_bg.models import BackgroundTheme
from products.models import Product, ProductImage, Store
from tests.conftest import photo_bytes
u = get_user_model().objects.create_user("owner")
s = Store.objects.create(name="S", slug="s", owner=u)
p = Product.objects.create(store=s, title="Kettle", status="published")
img = ProductImage(product=p)
img.image.save("p.jpg", ContentFile(photo_bytes(size=(64, 48))), save=True)
for slug in sorted(PRESETS)[:2]:
    BackgroundTheme.objects.create(store=s, name=slug, slug=slug, spec=PRESETS[slug].to_dict())
"""

RACE_START = """
import time
from konigle_bg import services
from konigle_bg.models import BackgroundTheme
from products.models import Store
theme = BackgroundTheme.objects.order_by("slug")[{which}]
store = Store.objects.get(slug="s")
while time.time() < {at}:
    time.sleep(0.005)
try:
    run = services.start_theme_run(store, theme)
    print("started", run.pk, theme.slug)
except services.ThemeRunError as exc:
    print("refused", exc)
"""


@pytest.mark.slow
@pytest.mark.integration
def test_two_processes_start_a_switch_at_the_same_moment(tmp_path):
    import subprocess
    import sys
    import time

    from tests.procs import ROOT, manage, shell, site_env

    env = site_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    shell(env, RACE_SETUP)
    at = time.time() + 6  # both interpreters are up by then, then they go together
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for code in (RACE_START.format(which=i, at=at) for i in (0, 1))
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out.strip().splitlines()[-1])
    assert sorted(o.split()[0] for o in outs) == ["refused", "started"], outs
    refused = next(o for o in outs if o.startswith("refused"))
    assert "already running" in refused
    count = (
        shell(
            env,
            "from konigle_bg.models import ThemeRun; print(ThemeRun.objects.count())",
        )
        .strip()
        .splitlines()[-1]
    )
    assert count == "1"
