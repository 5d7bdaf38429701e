"""Store-wide theme runs: counts, cancel, failures, re-runs, activation modes, overrides, and no
second segmentation for photos that have a cut-out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from konigle_bg import services
from konigle_bg.imaging import compose
from konigle_bg.models import BackgroundTheme, Cutout, PhotoState, ThemeRun, Variant
from tests.theme_fixtures import seed_cutout

pytestmark = pytest.mark.django_db

SMALL = {"size": (200, 150)}


@pytest.fixture
def batch_of_one(settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SYNC": True, "THEME_RUN_BATCH": 1}


@pytest.fixture
def renders(monkeypatch):
    """Every re-composite (compose.render) the services run."""
    calls = []
    original = compose.render

    def counting(*args, **kwargs):
        calls.append(args[0].size)
        return original(*args, **kwargs)

    monkeypatch.setattr(compose, "render", counting)
    return calls


@pytest.fixture
def themes(store):
    return {t.slug: t for t in services.install_presets(store, ["white", "studio", "soft-grey"])}


@pytest.fixture
def shop(make_product, store, themes):
    """Three published products with processed photos (on white) and one draft; their cut-outs
    are seeded (tests/theme_fixtures.py), the segmenter is exercised in its own test below."""
    services.active_theme(store)  # white
    products = [make_product(title=f"Mug {i}", photos=1, published=True, **SMALL) for i in range(3)]
    draft = make_product(title="Draft", photos=1, **SMALL)
    for p in products:
        for image in p.images.all():
            seed_cutout(image)
            assert services.cut_out_and_show(image.pk).status == "done"
    return products, draft


def _images(products):
    return [i for p in products for i in p.images.all()]


def _shown_theme(image) -> str | None:
    v = Variant.objects.filter(image=image, is_active=True).select_related("theme").first()
    return v.theme.slug if v else None


def _run(store, theme, capture, **kw) -> ThemeRun:
    with capture(execute=True):
        run = services.start_theme_run(store, theme, **kw)
    run.refresh_from_db()
    return run


def test_switch_counts_and_reuses_cutouts(
    shop, store, themes, sync_jobs, predicts, django_capture_on_commit_callbacks, owner
):
    products, draft = shop
    before = Cutout.objects.count()
    run = _run(store, themes["studio"], django_capture_on_commit_callbacks, user=owner)

    assert run.state == "completed" and run.finished
    assert (run.total, run.done, run.failed, run.skipped) == (4, 3, 0, 1)  # the draft: skipped
    assert run.percent == 100 and run.started_by == owner
    assert predicts == []  # re-composited from the cached cut-outs, never segmented again
    assert Cutout.objects.count() == before
    assert all(_shown_theme(i) == "studio" for i in _images(products))
    assert _shown_theme(draft.images.get()) is None
    assert services.active_theme(store).slug == "studio"
    assert Variant.objects.filter(theme_run=run).count() == 3


@pytest.mark.slow
def test_photos_without_cutout_get_one_first(
    make_product, store, themes, sync_jobs, predicts, django_capture_on_commit_callbacks, media
):
    done = make_product(title="Done", photos=1, published=True, **SMALL)
    services.cut_out_and_show(done.images.get().pk)
    per_photo = len(predicts)  # backend calls for one cut-out
    assert per_photo
    fresh = make_product(title="Fresh", photos=2, published=True, **SMALL)
    predicts.clear()

    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)

    assert run.done == 3
    # Only the two photos that had no cut-out were segmented.
    assert len(predicts) == 2 * per_photo
    assert Cutout.objects.filter(image__product=fresh).count() == 2
    assert Cutout.objects.filter(image__product=done).count() == 1
    # Stored for fast re-reading: no colour where nothing shows (see imaging.io.clear_hidden).
    with Cutout.objects.filter(image__product=fresh).first().rgba.open("rb") as fh:
        rgba = np.asarray(Image.open(fh).convert("RGBA"))
    hidden = rgba[..., 3] == 0
    assert hidden.any() and not rgba[hidden].any()
    rgba_name = Cutout.objects.filter(image__product=fresh).first().rgba.name
    assert (Path(media) / services.packed_name(rgba_name)).exists()
    predicts.clear()
    run2 = _run(store, themes["soft-grey"], django_capture_on_commit_callbacks)
    assert run2.done == 3 and predicts == []


def test_vanished_photo_fails_alone_then_rerun_does_only_what_is_missing(
    shop, store, themes, sync_jobs, renders, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    gone = Path(images[1].image.path)
    data = gone.read_bytes()
    gone.unlink()

    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)
    assert run.state == "completed"
    assert (run.done, run.failed, run.skipped) == (2, 1, 1)
    state = PhotoState.objects.get(image=images[1])
    assert state.status == "failed" and "missing" in state.error
    assert _shown_theme(images[0]) == _shown_theme(images[2]) == "studio"
    assert _shown_theme(images[1]) == "white"  # the failed photo keeps what it showed
    assert len(renders) == 2

    gone.write_bytes(data)
    files = {v.pk: Path(v.file.path).stat().st_mtime_ns for v in Variant.objects.all()}
    renders.clear()
    again = _run(store, themes["studio"], django_capture_on_commit_callbacks)
    assert (again.done, again.failed, again.skipped) == (3, 0, 1)
    assert len(renders) == 1  # only the photo that failed before
    assert {
        v.pk: Path(v.file.path).stat().st_mtime_ns for v in Variant.objects.filter(pk__in=files)
    } == files  # nothing rewritten
    assert all(_shown_theme(i) == "studio" for i in images)


def test_at_end_never_shows_two_themes(
    shop, store, themes, batch_of_one, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    with django_capture_on_commit_callbacks() as batches:
        run = services.start_theme_run(store, themes["studio"], activation="at_end")
    assert len(batches) == 3  # one task per photo with THEME_RUN_BATCH = 1

    for i, batch in enumerate(batches):
        assert {_shown_theme(img) for img in images} == {"white"}
        assert services.active_theme(store).slug == "white"
        run.refresh_from_db()
        assert run.state == "running" and run.done == i
        batch()
    run.refresh_from_db()
    assert run.state == "completed" and run.done == 3
    assert {_shown_theme(img) for img in images} == {"studio"}
    assert services.active_theme(store).slug == "studio"


def test_retried_batch_counts_each_photo_once(
    shop, store, themes, batch_of_one, django_capture_on_commit_callbacks
):
    """django-q re-runs a batch whose worker died: the photos it did are not counted twice,
    so an all-at-once run cannot complete (and flip) before the other batches ran."""
    products, _ = shop
    images = _images(products)
    with django_capture_on_commit_callbacks() as batches:
        run = services.start_theme_run(store, themes["studio"], activation="at_end")
    batches[0]()
    batches[0]()  # the same task delivered again
    batches[0]()
    run.refresh_from_db()
    assert (run.state, run.done) == ("running", 1)
    assert {_shown_theme(img) for img in images} == {"white"}
    for batch in batches[1:]:
        batch()
    run.refresh_from_db()
    assert (run.state, run.done, run.failed) == ("completed", 3, 0)
    assert run.items.count() == 3


def test_progressive_switches_photo_by_photo(
    shop, store, themes, batch_of_one, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    with django_capture_on_commit_callbacks() as batches:
        run = services.start_theme_run(store, themes["studio"], activation="progressive")
    batches[0]()
    shown = [_shown_theme(img) for img in images]
    assert sorted(shown) == ["studio", "white", "white"]
    for batch in batches[1:]:
        batch()
    run.refresh_from_db()
    assert run.state == "completed"
    assert {_shown_theme(img) for img in images} == {"studio"}


def test_cancel_stops_run_and_flips_nothing(
    shop, store, themes, batch_of_one, renders, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    with django_capture_on_commit_callbacks() as batches:
        run = services.start_theme_run(store, themes["studio"])
    batches[0]()
    assert services.cancel_theme_run(run) is True
    for batch in batches[1:]:
        batch()  # queued tasks see the cancel and render nothing

    run.refresh_from_db()
    assert run.state == "cancelled" and run.cancel_requested and run.finished
    assert run.done == 1 and len(renders) == 1
    assert {_shown_theme(img) for img in images} == {"white"}
    assert services.active_theme(store).slug == "white"
    assert services.cancel_theme_run(run) is False  # already over
    # The store is free for the next switch, which re-uses the variant already rendered.
    renders.clear()
    with django_capture_on_commit_callbacks(execute=True):
        nxt = services.start_theme_run(store, themes["studio"])
    nxt.refresh_from_db()
    assert nxt.state == "completed" and len(renders) == 2
    assert {_shown_theme(img) for img in images} == {"studio"}


def test_reverted_photos_stay_reverted_unless_included(
    shop, store, themes, sync_jobs, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    services.revert_image(images[0])

    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)
    assert (run.done, run.skipped) == (2, 2)
    assert _shown_theme(images[0]) is None
    assert PhotoState.objects.get(image=images[0]).reverted
    assert services.display_url(images[0]) == images[0].image.url

    run = _run(
        store, themes["soft-grey"], django_capture_on_commit_callbacks, include_reverted=True
    )
    assert (run.done, run.skipped) == (3, 1)
    assert _shown_theme(images[0]) == "soft-grey"
    assert not PhotoState.objects.get(image=images[0]).reverted


def test_product_theme_override_and_back(
    shop, store, themes, sync_jobs, predicts, django_capture_on_commit_callbacks
):
    products, _ = shop
    special = products[0]
    image = special.images.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.set_product_theme(special, themes["soft-grey"]) == 1
    assert _shown_theme(image) == "soft-grey"
    assert PhotoState.objects.get(image=image).theme_override == themes["soft-grey"]

    # A store-wide switch leaves the product on its own theme.
    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)
    assert (run.done, run.skipped) == (2, 2)
    assert _shown_theme(image) == "soft-grey"

    with django_capture_on_commit_callbacks(execute=True):
        services.set_product_theme(special, None)
    assert _shown_theme(image) == "studio"  # back to the store's theme
    assert PhotoState.objects.get(image=image).theme_override is None
    assert predicts == []  # all of it from the cached cut-out


def test_bad_starts_are_refused(shop, store, themes, owner, django_user_model):
    from products.models import Store

    other = Store.objects.create(name="Other", slug="other", owner=owner)
    foreign = BackgroundTheme.objects.create(
        store=other, name="W", slug="w", spec=themes["white"].spec
    )
    with pytest.raises(services.ThemeRunError, match="another store"):
        services.start_theme_run(store, foreign)
    with pytest.raises(services.ThemeRunError, match="activation"):
        services.start_theme_run(store, themes["studio"], activation="sometime")
    with pytest.raises(services.ThemeError, match="another store"):
        services.set_product_theme(shop[0][0], foreign)
    broken = BackgroundTheme.objects.create(
        store=store, name="B", slug="b", spec={"background": {"kind": "plaid"}}
    )
    with pytest.raises(services.ThemeRunError, match="not valid"):
        services.start_theme_run(store, broken)

    services.start_theme_run(store, themes["studio"])  # tasks never run: it stays open
    with pytest.raises(services.ThemeRunError, match="already running"):
        services.start_theme_run(store, themes["soft-grey"])


def test_only_one_finisher_wins(store, themes):
    run = ThemeRun.objects.create(
        store=store, theme=themes["studio"], state="running", total=2, done=1, failed=1
    )
    assert services.finish_theme_run(run.pk) is True
    assert services.finish_theme_run(run.pk) is False
    run.refresh_from_db()
    assert run.state == "completed"
    not_yet = ThemeRun.objects.create(
        store=store, theme=themes["studio"], state="running", total=3, done=1
    )
    assert services.finish_theme_run(not_yet.pk) is False


def test_empty_store_completes_at_once(store, themes, sync_jobs):
    run = services.start_theme_run(store, themes["studio"])
    assert run.state == "completed" and run.total == 0
    assert services.active_theme(store).slug == "studio"


def test_preview_renders_from_cutout_without_storing(shop, store, themes, predicts):
    import io

    from PIL import Image

    products, _ = shop
    picked = services.preview_images(store)
    assert {i.product_id for i in picked} == {p.pk for p in products}
    n_variants = Variant.objects.count()
    data, ctype = services.render_preview(picked[0], themes["studio"], size=120)
    img = Image.open(io.BytesIO(data))
    assert ctype == "image/jpeg" and max(img.size) == 120
    assert Variant.objects.count() == n_variants and predicts == []


def test_variants_are_baseline_jpeg(
    shop, store, themes, sync_jobs, django_capture_on_commit_callbacks
):
    # Progressive encoding cost ~4x the CPU of baseline: a bulk re-render writes baseline.
    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)
    variant = Variant.objects.filter(theme_run=run).first()
    with variant.file.open("rb") as fh:
        img = Image.open(fh)
        img.load()
    assert img.format == "JPEG" and not img.info.get("progressive")
    assert img.info.get("icc_profile")  # still tagged sRGB


def test_switch_reuses_cutouts_of_an_older_spec_and_prefers_the_shown_one(
    shop, store, themes, sync_jobs, predicts, django_capture_on_commit_callbacks
):
    products, _ = shop
    images = _images(products)
    # An upgrade of the pipeline changes every cut-out's spec hash: the switch must still not
    # segment again.
    Cutout.objects.filter(image=images[0]).update(spec_hash="0ld5pec0ld5pec00")
    # A second, newer cut-out of the same file that is not the one shown (e.g. a re-prompt the
    # owner did not keep): the switch follows what the storefront shows.
    shown = Cutout.objects.get(image=images[1])
    newer = Cutout.objects.get(pk=shown.pk)
    newer.pk, newer.spec_hash = None, "n3w3rn3w3rn3w3r0"
    newer.save()

    run = _run(store, themes["studio"], django_capture_on_commit_callbacks)

    assert run.done == 3 and predicts == []
    assert Cutout.objects.filter(image=images[0]).count() == 1
    assert Variant.objects.get(image=images[1], theme_run=run).cutout_id == shown.pk


def test_cutouts_are_read_back_from_their_packed_copy(shop, store, themes):
    products, _ = shop
    image = _images(products)[0]
    cut = Cutout.objects.get(image=image)
    packed = Path(cut.rgba.path).with_suffix(".kbgcut")
    packed.unlink(missing_ok=True)  # a cut-out stored before packed copies existed

    from_png = np.asarray(services.load_cutout(cut))
    assert packed.exists()  # written on that first read
    from_packed = np.asarray(services.load_cutout(cut))
    visible = from_png[..., 3] > 0
    assert from_packed.shape == from_png.shape
    assert (from_packed[visible] == from_png[visible]).all()
    assert (from_packed[..., 3] == from_png[..., 3]).all()

    packed.write_bytes(b"garbage")  # a damaged cache falls back to the PNG
    assert (np.asarray(services.load_cutout(cut))[..., 3] == from_png[..., 3]).all()
