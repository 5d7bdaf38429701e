"""Doubtful results wait for a person: a result under HOLD_THRESHOLD is made but not shown;
the store keeps what it showed until the seller accepts, corrects or re-prompts it. The typed
job outcome, the signals (``photo_changed`` only when the store changes, ``photo_held``),
theme switches, retention, and the setting that keeps the old behaviour."""

from __future__ import annotations

import json
import pickle

import pytest
from django.core.files.base import ContentFile

from konigle_bg import services, tasks
from konigle_bg.events import photo_changed, photo_held
from konigle_bg.models import (
    Cutout,
    Job,
    JobStatus,
    OutcomeStatus,
    PhotoState,
    ThemeRun,
    Variant,
    hold_threshold,
)
from konigle_bg.services import processing
from tests.conftest import photo_bytes
from tests.theme_fixtures import seed_cutout

pytestmark = pytest.mark.django_db

SMALL = {"size": (200, 150)}


def doubtful(image, confidence: float = 0.2) -> Cutout:
    """The photo's automatic cut-out (seeded: no model runs) with ``confidence``."""
    cut = seed_cutout(image)
    Cutout.objects.filter(pk=cut.pk).update(confidence=confidence)
    cut.refresh_from_db()
    return cut


def hold_everything(monkeypatch) -> None:
    """A hold threshold over every possible score (the setting itself stops at 1.0)."""
    monkeypatch.setattr(processing, "hold_threshold", lambda: 1.01)


def replace_photo(image, seed: int = 7) -> None:
    """The seller uploads a new file for the photo (a new version: a new cut-out)."""
    image.image.save(f"new{seed}.jpg", ContentFile(photo_bytes(seed=seed, **SMALL)), save=True)


def shown(image) -> Variant | None:
    return Variant.objects.filter(image=image, is_active=True).first()


def held(image) -> Variant | None:
    return PhotoState.objects.get(image=image).held_variant


@pytest.fixture
def heard():
    calls = []

    def changed(sender, image, variant, reason, **kw):
        calls.append(("changed", image.pk, getattr(variant, "pk", None), reason))

    def on_hold(sender, image, variant, confidence, **kw):
        calls.append(("held", image.pk, variant.pk, confidence))

    photo_changed.connect(changed, weak=False)
    photo_held.connect(on_hold, weak=False)
    yield calls
    photo_changed.disconnect(changed)
    photo_held.disconnect(on_hold)


@pytest.fixture
def photo(make_product):
    return make_product(published=True, **SMALL).images.get()


# ------------------------------------------------------------------------ held, not shown


def test_a_doubtful_first_result_is_made_but_the_original_stays(
    photo, heard, django_capture_on_commit_callbacks
):
    doubtful(photo, 0.2)
    with django_capture_on_commit_callbacks() as pending:
        outcome = services.cut_out_and_show(photo.pk)
    assert heard == []  # nothing before the commit
    for callback in pending:
        callback()

    assert outcome.status == OutcomeStatus.HELD and outcome.reason == ""
    assert outcome.variant.status == JobStatus.DONE and outcome.variant.file  # made ...
    assert shown(photo) is None  # ... not shown
    assert services.display_url(photo) == photo.image.url
    assert held(photo) == outcome.variant
    # The shop hears of the hold, never of a change: the store did not change.
    assert heard == [("held", photo.pk, outcome.variant.pk, 0.2)]
    with django_capture_on_commit_callbacks(execute=True):
        again = services.cut_out_and_show(photo.pk)  # a re-delivered task
    assert again.status == OutcomeStatus.HELD and again.variant == outcome.variant
    assert len(heard) == 1  # the seller is told once
    status = services.photo_status(type(photo).objects.get(pk=photo.pk))
    assert status.is_held and status.needs_review and status.label == "Held for review"
    assert status.pending_url == outcome.variant.file.url
    assert status.display_url == photo.image.url and status.pending_confidence == 0.2


def test_a_new_doubtful_version_keeps_the_previous_result_shown(photo, heard, settings):
    seed_cutout(photo)  # confidence 0.9
    first = services.cut_out_and_show(photo.pk)
    assert first.status == OutcomeStatus.DONE and shown(photo) == first.variant
    replace_photo(photo)
    doubtful(photo, 0.3)
    heard.clear()

    outcome = services.cut_out_and_show(photo.pk)

    assert outcome.status == OutcomeStatus.HELD
    assert shown(photo) == first.variant  # the store keeps what it showed
    assert services.display_url(photo) == first.variant.file.url
    assert held(photo) == outcome.variant


def test_accept_shows_it_once_and_the_shop_hears_accepted(
    photo, heard, django_capture_on_commit_callbacks
):
    doubtful(photo)
    waiting = services.cut_out_and_show(photo.pk).variant
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_held(photo)
    assert shown(photo) == waiting and held(photo) is None
    assert heard == [("changed", photo.pk, waiting.pk, "accepted")]
    assert services.display_url(photo) == waiting.file.url
    with pytest.raises(services.NothingHeld):
        services.accept_held(photo)  # accepted already: nothing waits
    status = services.photo_status(type(photo).objects.get(pk=photo.pk))
    assert not status.is_held and status.label == "Done"


def test_a_cutout_the_store_showed_once_is_not_held_again(photo, store, themes_installed):
    """Accepted once, then re-rendered (its product gets its own theme): shown at once."""
    doubtful(photo)
    services.cut_out_and_show(photo.pk)
    services.accept_held(photo)
    studio = themes_installed["studio"]
    PhotoState.objects.filter(image=photo).update(theme_override=studio)

    outcome = services.cut_out_and_show(photo.pk)

    assert outcome.status == OutcomeStatus.DONE and shown(photo).theme == studio


def test_a_held_photo_keeps_its_previous_result_on_its_new_theme(photo, themes_installed):
    seed_cutout(photo)
    first = services.cut_out_and_show(photo.pk).variant
    replace_photo(photo)
    doubtful(photo)
    studio = themes_installed["studio"]
    PhotoState.objects.filter(image=photo).update(theme_override=studio)

    outcome = services.cut_out_and_show(photo.pk)

    assert outcome.status == OutcomeStatus.HELD and outcome.variant.theme == studio
    now = shown(photo)
    assert now.cutout_id == first.cutout_id and now.theme == studio  # same look, new theme
    assert held(photo) == outcome.variant


# ------------------------------------------------------------------- the seller's own results


def test_a_sellers_reprompt_is_shown_even_when_it_scores_low(photo, monkeypatch):
    doubtful(photo)
    services.cut_out_and_show(photo.pk)
    # Any result would be held were it automatic: the seller's own is shown all the same.
    hold_everything(monkeypatch)
    box = [40, 20, 160, 130]
    outcome = services.reprompt_photo(photo.pk, prompt="", box=box)
    # The seller asked for exactly this: it wins over the threshold and ends the hold.
    assert outcome.status == OutcomeStatus.DONE and shown(photo) == outcome.variant
    assert held(photo) is None
    assert outcome.variant.cutout.box == box


def test_a_sellers_correction_is_shown_and_ends_the_hold(
    photo, sync_jobs, monkeypatch, django_capture_on_commit_callbacks
):
    # A real cut-out (corrections start from its matte), held; a corrected cut-out scores 1.0,
    # so only a threshold over any score shows that the seller's own result wins.
    hold_everything(monkeypatch)
    waiting = services.cut_out_and_show(photo.pk).variant
    assert held(photo) == waiting
    with django_capture_on_commit_callbacks(execute=True):  # SYNC: the job runs at the commit
        job = services.request_corrections(photo, [{"x": 100, "y": 75, "positive": True}], [])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.outcome == OutcomeStatus.DONE and not job.error
    assert shown(photo) == job.variant and job.variant != waiting
    assert held(photo) is None


def test_process_again_is_the_automatic_result_so_a_doubtful_one_is_held(photo, owner):
    doubtful(photo)
    [job] = services.reprocess_product(photo.product, user=owner)
    job = services.run_seller_job(job.pk)
    assert job.status == JobStatus.DONE and job.outcome == OutcomeStatus.HELD
    assert job.error == "" and job.variant == held(photo) and shown(photo) is None


def test_a_confident_automatic_result_replaces_the_held_one(photo, settings):
    doubtful(photo, 0.5)
    services.cut_out_and_show(photo.pk)
    assert held(photo) is not None
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "HOLD_THRESHOLD": 0.4}  # 0.5 passes now
    replace_photo(photo)
    doubtful(photo, 0.5)
    outcome = services.cut_out_and_show(photo.pk)
    assert outcome.status == OutcomeStatus.DONE and shown(photo) == outcome.variant
    assert held(photo) is None


# ------------------------------------------------------------------------- reverts


def test_revert_drops_the_hold_and_reverted_photos_stay_reverted(photo):
    seed_cutout(photo)
    services.cut_out_and_show(photo.pk)
    replace_photo(photo)
    doubtful(photo)
    waiting = services.cut_out_and_show(photo.pk).variant
    services.revert_image(photo)
    assert shown(photo) is None and held(photo) is None
    assert Variant.objects.filter(pk=waiting.pk).exists()  # still in the history
    again = services.cut_out_and_show(photo.pk)
    assert again.status == OutcomeStatus.SKIPPED and "reverted" in again.reason
    with pytest.raises(services.NothingHeld):
        services.accept_held(photo)


def test_a_revert_while_the_job_runs_wins_over_the_hold(photo, monkeypatch):
    doubtful(photo)
    real = services.processing.ensure_variant

    def revert_meanwhile(*args, **kwargs):
        variant = real(*args, **kwargs)
        services.revert_image(photo)
        return variant

    monkeypatch.setattr(services.processing, "ensure_variant", revert_meanwhile)
    outcome = services.cut_out_and_show(photo.pk)
    assert outcome.status == OutcomeStatus.REVERTED and outcome.reason == ""
    assert held(photo) is None and shown(photo) is None


# ------------------------------------------------------------------------- the setting


def test_the_threshold_defaults_to_the_review_threshold(settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REVIEW_THRESHOLD": 0.45}
    assert hold_threshold() == 0.45
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "HOLD_THRESHOLD": 0.3}
    assert hold_threshold() == 0.3
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "HOLD_DOUBTFUL_RESULTS": False}
    assert hold_threshold() is None


def test_shops_that_prefer_it_show_everything_at_once(photo, settings, heard):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "HOLD_DOUBTFUL_RESULTS": False}
    doubtful(photo, 0.05)
    outcome = services.cut_out_and_show(photo.pk)
    assert outcome.status == OutcomeStatus.DONE and shown(photo) == outcome.variant
    assert held(photo) is None


def test_just_under_and_at_the_threshold(photo, settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "HOLD_THRESHOLD": 0.5}
    cut = doubtful(photo, 0.5)
    assert not services.is_doubtful(cut)  # at the threshold: shown
    Cutout.objects.filter(pk=cut.pk).update(confidence=0.4999)
    cut.refresh_from_db()
    assert services.is_doubtful(cut)


# ------------------------------------------------------------------------- theme switches


@pytest.fixture
def themes_installed(store):
    services.active_theme(store)  # white
    return {t.slug: t for t in services.install_presets(store, ["white", "studio"])}


@pytest.mark.parametrize("activation", ["at_end", "progressive"])
def test_a_switch_never_shows_a_held_result(
    make_product, store, themes_installed, settings, activation, django_capture_on_commit_callbacks
):
    """Held showing its original: left alone (counted skipped), still held. Held showing an
    earlier result: that result is switched, the held one still waits. Accepting afterwards
    shows the held result on the new theme."""
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SYNC": True}
    first = make_product(title="First", published=True, **SMALL).images.get()
    second = make_product(title="Second", published=True, **SMALL).images.get()
    doubtful(first)
    held_first = services.cut_out_and_show(first.pk).variant
    seed_cutout(second)
    before = services.cut_out_and_show(second.pk).variant
    replace_photo(second)
    doubtful(second)
    held_second = services.cut_out_and_show(second.pk).variant
    studio = themes_installed["studio"]

    with django_capture_on_commit_callbacks(execute=True):  # SYNC: batches run at the commit
        run = services.start_theme_run(store, studio, activation=activation)
    run.refresh_from_db()

    assert run.state == ThemeRun.State.COMPLETED
    assert (run.done, run.skipped, run.failed) == (1, 1, 0)
    assert shown(first) is None and held(first) == held_first  # the original stays
    now = shown(second)
    assert now.cutout_id == before.cutout_id and now.theme == studio  # switched
    assert held(second) == held_second  # still waiting

    accepted = services.accept_held(first)
    assert accepted.cutout_id == held_first.cutout_id and accepted.theme == studio
    assert shown(first) == accepted


# ------------------------------------------------------------------------- retention


def test_prune_keeps_the_held_result(photo):
    seed_cutout(photo)
    services.cut_out_and_show(photo.pk)
    for seed in (7, 8):
        replace_photo(photo, seed)
        doubtful(photo)
        services.cut_out_and_show(photo.pk)  # the second replaces the first held one
    waiting = held(photo)
    services.prune(keep=0)
    waiting.refresh_from_db()
    assert waiting.file and waiting.cutout and waiting.cutout.rgba
    services.accept_held(photo)
    assert shown(photo) == waiting


# ------------------------------------------------------------------------- the outcome


def test_outcome_is_typed_and_small():
    with pytest.raises(ValueError):
        services.Outcome(OutcomeStatus.DONE, reason="Reverted meanwhile: not shown.")
    failed = services.Outcome.failed("The original photo file is missing.")
    assert failed.status == "failed" and failed.as_result() == {
        "status": "failed",
        "reason": "The original photo file is missing.",
    }


def test_tasks_return_what_django_q_can_store(photo, settings):
    doubtful(photo)
    result = tasks.process_image(photo.pk)
    assert result == {"status": "held", "variant": held(photo).pk}
    assert json.loads(json.dumps(result)) == result
    assert pickle.loads(pickle.dumps(result)) == result
    assert type(result["status"]) is str  # never the enum: a plain value in the result row


def test_split_jobs_hold_too(photo, settings):
    """GPU routing: the cut-out on one queue, the render (and the hold) on another."""
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SYNC": True, "RENDER_QUEUE": "cpu"}
    doubtful(photo)
    cut = services.process_queued_photo(photo.pk)
    assert cut.status == OutcomeStatus.CUT and cut.cutout and cut.variant is None
    outcome = services.render_and_show(photo.pk, cut.cutout.pk)
    assert outcome.status == OutcomeStatus.HELD and shown(photo) is None


def test_a_seller_job_that_fails_says_why_and_has_no_outcome(photo, owner):
    [job] = services.reprocess_product(photo.product, user=owner)
    photo.image.storage.delete(photo.image.name)
    job = services.run_seller_job(job.pk)
    assert job.status == JobStatus.FAILED and job.outcome == "" and job.error
    assert Job.objects.get(pk=job.pk).error == job.error


def test_demo_site_logs_a_held_photo(photo, caplog, django_capture_on_commit_callbacks):
    import logging

    doubtful(photo, 0.2)
    with caplog.at_level(logging.INFO, logger="products"):
        with django_capture_on_commit_callbacks(execute=True):
            services.cut_out_and_show(photo.pk)
    assert f"held /bg/products/{photo.product_id}/#photo-{photo.pk} (confidence 20%)" in (
        caplog.text
    )
    assert "purge" not in caplog.text  # the store did not change
