"""Derived files that don't pile up: the retention policy, bg_prune, deleted photos' files,
and the STORAGE setting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from konigle_bg import services
from konigle_bg.models import Cutout, Variant

pytestmark = pytest.mark.django_db

THEMES = ["white", "soft-grey", "studio", "transparent"]


@pytest.fixture
def switched(make_product, store):
    """One photo shown on four themes in turn (as after three theme switches)."""
    image = make_product(published=True).images.get()
    cut = services.cut_out_and_show(image.pk).variant.cutout
    for slug in THEMES[1:]:
        services.activate(services.ensure_variant(image, cut, services.preset_theme(store, slug)))
    variants = list(Variant.objects.filter(image=image).order_by("created", "pk"))
    assert len(variants) == 4 and variants[-1].is_active
    return image, variants


def on_disk(f) -> bool:
    return bool(f.name) and Path(f.path).exists()


def test_dry_run_reports_and_changes_nothing(switched):
    image, variants = switched
    report = services.prune(keep=1, dry_run=True)
    sizes = sum(Path(v.file.path).stat().st_size for v in variants[:2])
    assert (report.variants, report.files, report.bytes) == (2, 2, sizes)
    assert all(on_disk(Variant.objects.get(pk=v.pk).file) for v in variants)


def test_prune_keeps_active_and_latest_and_renders_a_pruned_one_again(
    switched, django_capture_on_commit_callbacks
):
    image, variants = switched
    paths = [Path(v.file.path) for v in variants]
    with django_capture_on_commit_callbacks(execute=True):
        report = services.prune(keep=1)
    assert report.variants == 2 and report.cutouts == 0
    assert [p.exists() for p in paths] == [False, False, True, True]
    oldest = Variant.objects.get(pk=variants[0].pk)
    assert oldest.file.name == "" and oldest.status == "done"  # still in the history
    assert services.prune(keep=1).files == 0  # nothing left to free

    shown = services.activate(oldest)  # rendered again from its cut-out
    assert shown.pk == oldest.pk and on_disk(shown.file) and paths[0].exists()
    assert services.display_url(image) == shown.file.url


def test_unused_cutout_goes_with_its_history(make_product, django_capture_on_commit_callbacks):
    image = make_product(published=True).images.get()
    first = services.cut_out_and_show(image.pk).variant
    old_cut = first.cutout
    second = services.reprompt_photo(image.pk, prompt="", box=[40, 30, 440, 330]).variant
    assert second.cutout_id != old_cut.pk and second.is_active
    files = [Path(old_cut.rgba.path), Path(old_cut.mask.path), Path(first.file.path)]
    assert all(p.exists() for p in files)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.prune(keep=0)
    assert (report.cutouts, report.history) == (1, 1)
    assert not Cutout.objects.filter(pk=old_cut.pk).exists()
    assert not any(p.exists() for p in files)
    assert on_disk(Variant.objects.get(pk=second.pk).file)


def test_deleting_the_host_photo_removes_its_files_after_the_commit(
    switched, django_capture_on_commit_callbacks
):
    image, variants = switched
    cut = Cutout.objects.get(image=image)
    paths = [Path(v.file.path) for v in variants] + [Path(cut.rgba.path), Path(cut.mask.path)]
    packed = Path(cut.rgba.path).with_suffix(".kbgcut")
    assert packed.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.delete()
    assert all(p.exists() for p in paths)  # not before the commit: a rollback keeps them
    for callback in callbacks:
        callback()
    assert not any(p.exists() for p in [*paths, packed])


def test_bg_prune_command(switched):
    out = io.StringIO()
    call_command("bg_prune", "--dry-run", "--keep", "0", stdout=out)
    assert out.getvalue().startswith("Would free 3 file(s), ")
    assert Variant.objects.exclude(file="").count() == 4
    # Default KEEP_VARIANTS (1): after three switches, the two oldest results would go.
    out = io.StringIO()
    call_command("bg_prune", "--dry-run", stdout=out)
    assert out.getvalue().startswith("Would free 2 file(s), ")


def test_storage_setting_chooses_where_derived_files_go(make_product, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "bg": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "cdn"), "base_url": "https://cdn.test/bg/"},
        },
    }
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "STORAGE": "bg"}
    image = make_product(published=True).images.get()
    variant = services.cut_out_and_show(image.pk).variant
    assert (tmp_path / "cdn" / variant.file.name).exists()
    assert not (Path(settings.MEDIA_ROOT) / variant.file.name).exists()
    assert services.display_url(image).startswith("https://cdn.test/bg/")
    assert (tmp_path / "cdn" / variant.cutout.rgba.name).exists()
