"""Derived files that don't pile up: the retention policy, ``bg_prune``, and the clean-up of
the files of deleted rows (a host photo deleted cascades to its cut-outs and variants).

Per photo the policy keeps the files of the active variant, of the ``KEEP_VARIANTS`` latest
others, of the variants of an open theme run, and the cut-outs those need (plus the photo's
latest finished cut-out and any unfinished one). Older variants stay in the history without
a file (re-rendered from their cut-out when shown again); cut-outs nothing kept needs are
deleted, with the history entries made from them. Files go only after the commit, so a
rolled-back transaction never leaves a row pointing to a deleted file.
A result held for the seller keeps its file and cut-out too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model, Q

from ..conf import bg_settings
from ..models import Cutout, JobStatus, PhotoState, ThemeRun, Variant
from ..storage import derived
from .cutouts import packed_name
from .files import results_dir

log = logging.getLogger("konigle_bg")

PACKED_SUFFIX = packed_name("x.png")[1:]  # ".kbgcut"

OPEN_RUN = Q(theme_run__state__in=[ThemeRun.State.PENDING, ThemeRun.State.RUNNING])


@dataclass
class PruneReport:
    """What a prune removed (or, dry, would remove)."""

    variants: int = 0  # history entries whose file goes (the row stays)
    cutouts: int = 0  # cut-outs deleted with their files
    history: int = 0  # history entries deleted with the cut-out they came from
    files: int = 0
    bytes: int = 0
    names: list[str] = field(default_factory=list)

    def count(self, names: Iterable[str]) -> None:
        for name in names:
            size = file_size(name)
            if size is None:
                continue  # already gone: nothing to free
            self.files += 1
            self.bytes += size
            self.names.append(name)


def file_size(name: str) -> int | None:
    try:
        return derived.size(name) if name and derived.exists(name) else None
    except OSError:
        return None


def cutout_files(cutout: Cutout) -> list[str]:
    names = [cutout.rgba.name, cutout.mask.name]
    if cutout.rgba.name:
        names.append(packed_name(cutout.rgba.name))
    return [n for n in names if n]


def variant_files(variant: Variant) -> list[str]:
    return [variant.file.name] if variant.file.name else []


def delete_files_after_commit(names: Iterable[str]) -> None:
    """Delete derived files once the current transaction commits (at once outside one), but
    only those no row uses then (:func:`unused`)."""
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: delete_files(unused(names)))


def unused(names: Iterable[str]) -> list[str]:
    """Those of ``names`` that no cut-out or variant row refers to (read when the deleting
    transaction has committed). Results written before files were named per photo can be
    shared by two photos with the same bytes in one folder: deleting one photo must not take
    the other's result away."""
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return []
    # A packed copy belongs to its cut-out's PNG (packed_name): in use while that PNG is.
    owner = {n: n.removesuffix(PACKED_SUFFIX) + ".png" if n.endswith(PACKED_SUFFIX) else n
             for n in names}  # fmt: skip
    wanted = set(owner.values())
    used = set(Variant.objects.filter(file__in=wanted).values_list("file", flat=True))
    used |= set(Cutout.objects.filter(rgba__in=wanted).values_list("rgba", flat=True))
    used |= set(Cutout.objects.filter(mask__in=wanted).values_list("mask", flat=True))
    kept = [n for n in names if owner[n] in used]
    if kept:
        log.info("derived files kept, other rows use them: %s", ", ".join(kept))
    return [n for n in names if owner[n] not in used]


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            derived.delete(name)
        except OSError as exc:  # a file that stays is a leak, not an error for the caller
            log.warning("derived file %s not deleted: %s", name, exc)


def delete_orphans_of(image: Model) -> list[str]:
    """Delete the files named for ``image`` (``<pk>-...`` beside its original, see
    files.result_name) that no row uses: what a job wrote for a photo deleted while it ran.
    Returns their names."""
    names = []
    for kind in ("cutouts", "variants"):
        folder = f"{results_dir(image)}/{kind}"
        try:
            _, found = derived.listdir(folder)
        except (OSError, NotImplementedError):
            continue
        names += [f"{folder}/{n}" for n in found if n.startswith(f"{image.pk}-")]
    orphans = unused(names)
    delete_files(orphans)
    return orphans


def row_deleted(instance: Model) -> None:
    """post_delete of a Cutout or Variant (also when the host photo is deleted)."""
    names = cutout_files(instance) if isinstance(instance, Cutout) else variant_files(instance)
    delete_files_after_commit(names)


def keep_plan(image_id, keep: int) -> tuple[list[Variant], list[Cutout], list[Variant]]:
    """One photo: (variants whose file goes, cut-outs that go, history entries that go)."""
    variants = list(Variant.objects.filter(image_id=image_id).order_by("-created", "-pk"))
    protected = set(
        Variant.objects.filter(image_id=image_id).filter(OPEN_RUN).values_list("pk", flat=True)
    )
    # A result held for the seller keeps its file and cut-out until they decide.
    protected |= set(
        PhotoState.objects.filter(image_id=image_id, held_variant__isnull=False).values_list(
            "held_variant_id", flat=True
        )
    )
    kept, others = [], 0
    for v in variants:
        if v.is_active or v.pk in protected or v.status != JobStatus.DONE:
            kept.append(v)
        elif others < keep:
            kept.append(v)
            others += 1
    kept_ids = {v.pk for v in kept}
    cutouts = list(Cutout.objects.filter(image_id=image_id).order_by("-created", "-pk"))
    needed = {v.cutout_id for v in kept}
    latest_done = next((c.pk for c in cutouts if c.status == JobStatus.DONE), None)
    drop_cutouts = [
        c
        for c in cutouts
        if c.pk not in needed and c.pk != latest_done and c.status == JobStatus.DONE
    ]
    dropped = {c.pk for c in drop_cutouts}
    drop_history = [v for v in variants if v.cutout_id in dropped and v.pk not in kept_ids]
    gone = {v.pk for v in drop_history}
    drop_files = [v for v in variants if v.pk not in kept_ids and v.pk not in gone and v.file]
    return drop_files, drop_cutouts, drop_history


def prune(*, keep: int | None = None, dry_run: bool = False, images=None) -> PruneReport:
    """Apply the retention policy to every photo (or ``images``); see the module docstring."""
    keep = bg_settings.KEEP_VARIANTS if keep is None else keep
    if keep < 0:
        raise ValueError("keep must be 0 or more.")
    report = PruneReport()
    ids = set(Variant.objects.values_list("image_id", flat=True).distinct())
    ids |= set(Cutout.objects.values_list("image_id", flat=True).distinct())
    if images is not None:
        ids &= {getattr(i, "pk", i) for i in images}
    for image_id in sorted(ids):
        with transaction.atomic():
            drop_files, drop_cutouts, drop_history = keep_plan(image_id, keep)
            names = [n for v in drop_files for n in variant_files(v)]
            names += [n for c in drop_cutouts for n in cutout_files(c)]
            names += [n for v in drop_history for n in variant_files(v)]
            report.count(names)
            report.variants += len(drop_files)
            report.cutouts += len(drop_cutouts)
            report.history += len(drop_history)
            if dry_run:
                continue
            Variant.objects.filter(pk__in=[v.pk for v in drop_files]).update(file="")
            delete_files_after_commit([n for v in drop_files for n in variant_files(v)])
            # Deleting rows sends post_delete: their files go after the commit (row_deleted).
            Variant.objects.filter(pk__in=[v.pk for v in drop_history]).delete()
            Cutout.objects.filter(pk__in=[c.pk for c in drop_cutouts]).delete()
    return report
