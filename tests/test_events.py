"""Signals to the shop: sent after the commit, one per photo, with the photo, the variant
(or None) and the reason; and one when a theme run finishes."""

from __future__ import annotations

import logging

import pytest

from konigle_bg import services
from konigle_bg.events import photo_changed, theme_run_finished
from konigle_bg.models import ThemeRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def photo(sender, image, variant, reason, **kw):
        calls.append(("photo", image.pk, getattr(variant, "pk", None), reason))

    def run(sender, run, reason, **kw):
        calls.append(("run", run.pk, None, reason))

    photo_changed.connect(photo, weak=False)
    theme_run_finished.connect(run, weak=False)
    yield calls
    photo_changed.disconnect(photo)
    theme_run_finished.disconnect(run)


def test_shown_activated_reverted_after_the_commit(
    make_product, store, heard, django_capture_on_commit_callbacks
):
    image = make_product(published=True).images.get()
    with django_capture_on_commit_callbacks() as pending:
        first = services.cut_out_and_show(image.pk).variant
    assert heard == []  # nothing before the commit
    for callback in pending:
        callback()
    assert heard == [("photo", image.pk, first.pk, "shown")]

    other = services.ensure_variant(
        image, first.cutout, services.preset_theme(store, "soft-grey")
    )
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.activate(other)
        services.activate(other)  # already shown: no change, no signal
    assert heard == [("photo", image.pk, other.pk, "activated")]

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.revert_image(image)
        services.revert_image(image)  # the original already: no change
    assert heard == [("photo", image.pk, None, "reverted")]


@pytest.mark.parametrize("activation", ["at_end", "progressive"])
def test_theme_run_switches_each_photo_once_then_finishes(
    make_product, store, heard, sync_jobs, django_capture_on_commit_callbacks, activation
):
    products = [make_product(title=f"Mug {i}", published=True) for i in range(2)]
    images = [p.images.get() for p in products]
    for image in images:
        services.cut_out_and_show(image.pk)
    heard.clear()
    theme = services.preset_theme(store, "studio")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_theme_run(store, theme, activation=activation)
    run.refresh_from_db()
    assert run.state == ThemeRun.State.COMPLETED
    switched = [c for c in heard if c[0] == "photo"]
    assert sorted(c[1] for c in switched) == sorted(i.pk for i in images)
    assert {c[3] for c in switched} == {"switched"}
    assert heard[-1] == ("run", run.pk, None, "completed")


def test_cancelled_run_finishes_too(store, heard, django_capture_on_commit_callbacks):
    theme = services.preset_theme(store, "studio")
    run = ThemeRun.objects.create(store=store, theme=theme, state="running", total=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.cancel_theme_run(run)
    assert heard == [("run", run.pk, None, "cancelled")]


def test_a_failing_receiver_never_undoes_the_change(
    make_product, django_capture_on_commit_callbacks, caplog
):
    def broken(**kwargs):
        raise RuntimeError("CDN down")

    photo_changed.connect(broken, weak=False)
    try:
        image = make_product(published=True).images.get()
        with django_capture_on_commit_callbacks(execute=True):
            variant = services.cut_out_and_show(image.pk).variant
    finally:
        photo_changed.disconnect(broken)
    assert services.display_url(image) == variant.file.url
    assert "CDN down" in caplog.text


def test_demo_site_logs_a_purge(make_product, django_capture_on_commit_callbacks, caplog):
    product = make_product(published=True)
    image = product.images.get()
    with caplog.at_level(logging.INFO, logger="products"):
        with django_capture_on_commit_callbacks(execute=True):
            services.cut_out_and_show(image.pk)
    assert f"purge {product.get_absolute_url()} (photo {image.pk} shown)" in caplog.text
