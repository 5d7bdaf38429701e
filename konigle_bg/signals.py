"""Host-model hooks: they only enqueue, skip raw fixture loads, and wait for the commit.

They never raise into the shop's request: a shop's save (django-oscar's dashboard saves the
product, its photos and its stock records one after the other, outside any transaction) must
not fail half-way because of konigle_bg. What goes wrong is logged once per kind of failure and
process, inside a savepoint so the shop's own transaction carries on.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from . import host, services

log = logging.getLogger("konigle_bg")

_logged: set[tuple[str, str]] = set()  # failures already logged by this process
# Per request: (photo, its file name) already queued. django-oscar's dashboard saves each photo
# twice in one request (the formset, then the display order): one job is enough, unless the
# file itself changed in between.
_queued: ContextVar[set | None] = ContextVar("konigle_bg_queued", default=None)


def request_started(**kwargs) -> None:
    _queued.set(set())


def request_finished(**kwargs) -> None:
    _queued.set(None)


def queue_once(image) -> None:
    queued = _queued.get()
    key = (image.pk, getattr(host.image_file(image), "name", None))
    if queued is not None and key in queued:
        return
    services.queue_photo(image.pk)
    if queued is not None:
        queued.add(key)


@contextlib.contextmanager
def never_raising(what: str, obj):
    """Run a hook's work in a savepoint; log a failure (once per kind) instead of raising."""
    try:
        with transaction.atomic():
            yield
    except Exception as exc:  # noqa: BLE001 - the shop's save goes on, whatever happened here
        key = (type(exc).__name__, str(exc)[:200])
        if key in _logged:
            log.debug("konigle_bg: %s %s not queued: %s", what, getattr(obj, "pk", None), exc)
            return
        _logged.add(key)
        log.exception(
            "konigle_bg: the photos of %s %s were not queued (the save itself went on); "
            "`manage.py check` and `manage.py bg_retry` help",
            what,
            getattr(obj, "pk", None),
        )


def product_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    with never_raising("product", instance):
        if not host.product_is_published(instance):
            return
        # Idempotent downstream (cut-outs and variants are keyed by source checksum + spec
        # hash), so saving a published product again queues cheap no-ops, never a second one.
        for image in host.product_images(instance):
            queue_once(image)


def image_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    with never_raising("photo", instance):
        if not host.product_is_published(host.image_product(instance)):
            return
        queue_once(instance)


def derived_row_deleted(sender, instance, **kwargs) -> None:
    """A cut-out or variant row deleted (directly, by bg_prune, or with its host photo): its
    files go once the transaction commits (those no other row uses)."""
    from .services.retention import row_deleted

    row_deleted(instance)


def migrated(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate``: the worker's periodic sweep exists as a django-q2 schedule.

    A partial migrate (``migrate konigle_bg 0010``) may run before django-q2's own tables
    exist; the sweep is then made by the next full ``migrate``."""
    from django.apps import apps
    from django.db import connections

    if not apps.is_installed("django_q"):
        return
    table = apps.get_model("django_q", "Schedule")._meta.db_table
    if table not in connections[using].introspection.table_names():
        return
    from . import queue

    queue.ensure_sweep_schedule(using)


def connect() -> None:
    from django.apps import apps
    from django.core.signals import request_finished as finished
    from django.core.signals import request_started as started

    from .models import Cutout, Variant

    for model in (Cutout, Variant):
        post_delete.connect(
            derived_row_deleted, sender=model, dispatch_uid=f"konigle_bg_delete_{model.__name__}"
        )
    post_migrate.connect(
        migrated, sender=apps.get_app_config("konigle_bg"), dispatch_uid="konigle_bg_migrated"
    )
    if not host.is_configured():
        return  # the system checks (konigle_bg.E003, E008) say what to set
    started.connect(request_started, dispatch_uid="konigle_bg_queued_start")
    finished.connect(request_finished, dispatch_uid="konigle_bg_queued_end")
    post_save.connect(product_saved, sender=host.product_model(), dispatch_uid="konigle_bg_product")
    post_save.connect(image_saved, sender=host.image_model(), dispatch_uid="konigle_bg_image")
    from .services import display

    display.connect()  # one query per listing for the template helpers and thumbnailers
