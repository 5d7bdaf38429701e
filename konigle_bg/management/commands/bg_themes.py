"""Store themes from the command line.

    manage.py bg_themes list [STORE]
    manage.py bg_themes install STORE [--only studio winter-snow] [--activate marketplace-white]
    manage.py bg_themes switch STORE THEME [--progressive] [--include-reverted] [--wait]

STORE is a store's primary key or slug; THEME a theme's slug in that store.
"""

from __future__ import annotations

import time

from django.core.exceptions import FieldError
from django.core.management.base import BaseCommand, CommandError

from konigle_bg import host, services
from konigle_bg.imaging import compose
from konigle_bg.models import BackgroundTheme


def find_store(ref: str):
    Store = host.store_model()
    qs = Store.objects.all()
    if ref.isdigit() and qs.filter(pk=int(ref)).exists():
        return qs.get(pk=int(ref))
    try:
        store = qs.filter(slug=ref).first()
    except FieldError:  # a host store model without a slug
        store = None
    if store is None:
        raise CommandError(f"No store {ref!r} (give its id or slug).")
    return store


class Command(BaseCommand):
    help = "List, install (the shipped presets) and switch a store's background themes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="The presets, or a store's themes.")
        ls.add_argument("store", nargs="?")
        inst = sub.add_parser("install", help="Create the shipped presets as the store's themes.")
        inst.add_argument("store")
        inst.add_argument("--only", nargs="+", metavar="PRESET", help="Only these presets.")
        inst.add_argument("--activate", metavar="PRESET", help="Also make this one active.")
        sw = sub.add_parser("switch", help="Switch every photo of the store to a theme.")
        sw.add_argument("store")
        sw.add_argument("theme", help="The theme's slug in that store.")
        sw.add_argument("--progressive", action="store_true", help="Photo by photo.")
        sw.add_argument("--include-reverted", action="store_true")
        sw.add_argument("--wait", action="store_true", help="Wait until the run ends.")
        sw.add_argument("--timeout", type=float, default=3600)

    def handle(self, *args, action: str, **opts):
        getattr(self, f"do_{action}")(**opts)

    def do_list(self, store=None, **opts):
        if store is None:
            for slug, preset in compose.PRESETS.items():
                self.stdout.write(f"{slug:20} {preset.label}")
            return
        for t in BackgroundTheme.objects.filter(store=find_store(store)):
            self.stdout.write(f"{t.slug:20} {t.name}{'  (active)' if t.is_active else ''}")

    def do_install(self, store, only=None, activate=None, **opts):
        store = find_store(store)
        slugs = list(only or compose.PRESETS)
        if activate and activate not in slugs:
            slugs.append(activate)
        try:
            themes = services.install_presets(store, slugs)
        except services.ThemeError as exc:
            raise CommandError(str(exc)) from None
        for t in themes:
            self.stdout.write(f"{t.slug:20} {t.name}")
        if activate:
            self.do_switch(str(store.pk), activate, wait=False)

    def do_switch(
        self,
        store,
        theme,
        progressive=False,
        include_reverted=False,
        wait=False,
        timeout=3600.0,
        **opts,
    ):
        store = find_store(store)
        row = BackgroundTheme.objects.filter(store=store, slug=theme).first()
        if row is None:
            raise CommandError(f"{store} has no theme {theme!r} (see `bg_themes list {store.pk}`).")
        try:
            run = services.start_theme_run(
                store,
                row,
                activation="progressive" if progressive else "at_end",
                include_reverted=include_reverted,
            )
        except services.ThemeRunError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"theme run {run.pk}: {run.total} photo(s) to {row.name}")
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while run.is_open:
            if time.monotonic() > deadline:
                raise CommandError(f"theme run {run.pk} still {run.state} after {timeout:.0f}s")
            time.sleep(0.5)
            run.refresh_from_db()
        self.stdout.write(
            f"theme run {run.pk} {run.state}: {run.done} done, {run.failed} failed, "
            f"{run.skipped} left alone"
        )
