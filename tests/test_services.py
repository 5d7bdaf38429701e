"""services: cut-out once, variants beside the original, activate/revert, failures recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from konigle_bg import services
from konigle_bg.models import Cutout, PhotoState, Variant

pytestmark = pytest.mark.django_db


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_process_writes_variant_beside_untouched_original(make_product, media):
    product = make_product(published=True)
    image = product.images.get()
    original = Path(image.image.path)
    before = _sha(original)

    outcome = services.cut_out_and_show(image.pk)

    assert outcome.status == "done"
    variant = Variant.objects.get(image=image)
    assert variant.is_active and variant.status == "done"
    assert _sha(original) == before  # the original is never touched
    assert Path(variant.file.path).parent == original.parent / "variants"
    assert Path(variant.file.path).exists()
    assert services.display_url(image) == variant.file.url
    assert not list(original.parent.rglob("*.tmp-*"))  # nothing half-written left


def test_same_request_twice_segments_once(make_product, predicts):
    image = make_product(published=True).images.get()
    services.cut_out_and_show(image.pk)
    n = len(predicts)
    services.cut_out_and_show(image.pk)
    assert len(predicts) == n  # keyed by checksum + spec hash: no second cut-out
    assert Cutout.objects.filter(image=image).count() == 1
    assert Variant.objects.filter(image=image).count() == 1


def test_replaced_photo_is_processed_again_old_variant_kept(make_product):
    from tests.conftest import photo_bytes

    image = make_product(published=True).images.get()
    services.cut_out_and_show(image.pk)
    first = Variant.objects.get(image=image)
    image.image.save("new.jpg", ContentFile(photo_bytes(colour=(30, 30, 200), seed=9)))
    services.cut_out_and_show(image.pk)
    assert Variant.objects.filter(image=image).count() == 2
    first.refresh_from_db()
    assert not first.is_active
    assert Variant.objects.get(image=image, is_active=True).pk != first.pk


def test_revert_then_reactivate(make_product):
    image = make_product(published=True).images.get()
    variant = services.cut_out_and_show(image.pk).variant
    services.revert_image(image)
    assert services.display_url(image) == image.image.url
    assert PhotoState.objects.get(image=image).reverted
    variant.refresh_from_db()
    assert variant.status == "done" and not variant.is_active  # kept in the history
    # A later run leaves a reverted photo alone...
    assert services.cut_out_and_show(image.pk).status == "skipped"
    assert services.display_url(image) == image.image.url
    # ...until the owner picks a variant again.
    services.activate(variant)
    assert services.display_url(image) == variant.file.url


def test_vanished_file_fails_readably_and_keeps_original_shown(make_product):
    image = make_product(published=True).images.get()
    Path(image.image.path).unlink()
    outcome = services.cut_out_and_show(image.pk)
    assert outcome.status == "failed"
    state = PhotoState.objects.get(image=image)
    assert state.status == "failed" and "missing" in state.error
    assert not Variant.objects.filter(image=image, is_active=True).exists()


def test_corrupt_file_fails_readably(make_product):
    image = make_product(published=True).images.get()
    Path(image.image.path).write_bytes(b"<html>not a photo</html>")
    outcome = services.cut_out_and_show(image.pk)
    assert outcome.status == "failed"
    assert Path(image.image.path).read_bytes() == b"<html>not a photo</html>"
    assert PhotoState.objects.get(image=image).error


def test_draft_is_not_processed(make_product):
    image = make_product(published=False).images.get()
    assert services.cut_out_and_show(image.pk).status == "skipped"
    assert not Variant.objects.exists()


def test_store_gets_white_theme_by_default(store):
    theme = services.active_theme(store)
    assert theme.is_active and theme.slug == "white"
    assert services.active_theme(store).pk == theme.pk


def test_display_urls_bulk_matches_single(make_product):
    p = make_product(published=True, photos=2)
    images = list(p.images.all())
    services.cut_out_and_show(images[0].pk)
    urls = services.display_urls(images)
    assert urls == {i.pk: services.display_url(i) for i in images}
    assert urls[images[1].pk] == images[1].image.url


def test_one_active_variant_enforced_by_database(make_product):
    from django.db import IntegrityError, transaction

    image = make_product(published=True).images.get()
    v = services.cut_out_and_show(image.pk).variant
    clone = Variant.objects.create(
        image=image, spec_hash="other", source_checksum=v.source_checksum, status="done"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=clone.pk).update(is_active=True)


def test_large_original_is_worked_at_max_side(make_product, settings):
    """Bounded worker memory: the cut-out is made at MAX_SIDE, a drawn box scaled to match."""
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "MAX_SIDE": 240}
    image = make_product(published=True).images.get()  # a 480x360 original
    outcome = services.reprompt_photo(image.pk, prompt="", box=[140, 60, 340, 300])
    cut = outcome.variant.cutout
    assert (cut.width, cut.height) == (240, 180)
    assert cut.box == [140, 60, 340, 300]  # remembered in the original's coordinates
    x0, y0, x1, y1 = cut.bbox
    # The product (x 66-174 at this size) was looked for inside the scaled box (x 70-170).
    assert 68 <= x0 < 100 and 140 < x1 <= 172


def test_first_variant_is_rendered_from_the_cutout_in_memory(make_product, monkeypatch):
    """The worker that segments a photo renders its first variant from the cut-out it holds,
    never reading back the file it has just written; the result is the one the stored
    cut-out gives."""
    import numpy as np
    from PIL import Image

    from konigle_bg.imaging import compose
    from konigle_bg.services import variants

    reads = []
    original = variants.load_cutout
    monkeypatch.setattr(variants, "load_cutout", lambda cut: reads.append(cut) or original(cut))
    product = make_product(published=True)
    image = product.images.get()
    outcome = services.cut_out_and_show(image.pk)
    assert outcome.status == "done" and reads == []

    theme = services.theme_for(image)
    from_storage = compose.render(services.load_cutout(outcome.variant.cutout), theme.get_theme())
    with outcome.variant.file.open("rb") as fh:
        shown = np.asarray(Image.open(fh).convert("RGB"), dtype=np.int16)
    expected = np.asarray(from_storage.convert("RGB"), dtype=np.int16)
    assert shown.shape == expected.shape
    assert np.abs(shown - expected).mean() < 2  # the same picture (JPEG-encoded once)

    # A theme switch's re-render, with nothing in memory, reads the stored cut-out.
    studio = services.preset_theme(product.store, "studio")
    services.ensure_variant(image, outcome.variant.cutout, studio)
    assert len(reads) == 1


def test_needs_review_rule_is_the_same_in_python_and_in_the_query(make_product, settings):
    """``needs_review`` (read model, pages, API) and ``needs_review_q`` (filters) agree."""
    from konigle_bg.models import JobStatus, PhotoState, needs_review, needs_review_q

    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REVIEW_THRESHOLD": 0.6}
    product = make_product(photos=6)
    images = list(product.images.all())
    cases = [
        (JobStatus.DONE, 0.9),
        (JobStatus.DONE, 0.59),
        (JobStatus.DONE, 0.6),
        (JobStatus.FAILED, None),
        (JobStatus.FAILED, 0.95),
        (JobStatus.RUNNING, None),
    ]
    for image, (status, confidence) in zip(images, cases, strict=True):
        PhotoState.objects.create(image=image, status=status, confidence=confidence)
    by_query = set(
        type(images[0])
        .objects.filter(pk__in=[i.pk for i in images])
        .filter(needs_review_q())
        .values_list("pk", flat=True)
    )
    by_rule = {i.pk for i, (st, c) in zip(images, cases, strict=True) if needs_review(st, c)}
    by_model = {p.image.pk for p in services.photo_statuses(images) if p.needs_review}
    assert by_query == by_rule == by_model == {images[1].pk, images[3].pk, images[4].pk}


def test_photo_status_says_what_is_shown(make_product):
    product = make_product()  # a draft: nothing queued yet
    image = product.images.get()
    fresh = services.photo_status(image)
    assert fresh.label == "Not processed" and not fresh.needs_review
    assert fresh.display_url == image.image.url == services.display_url(image)
    outcome = services.process_again(image.pk)
    image = type(image).objects.get(pk=image.pk)
    shown = services.photo_status(image)
    assert shown.active == outcome.variant and shown.label == "Done"
    assert shown.display_url == outcome.variant.file.url == services.display_url(image)
    assert services.display_urls([image]) == {image.pk: shown.display_url}
    services.revert_image(image)
    image = type(image).objects.get(pk=image.pk)
    reverted = services.photo_status(image)
    assert reverted.label == "Original (reverted)" and reverted.display_url == image.image.url
