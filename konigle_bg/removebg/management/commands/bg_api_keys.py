"""A store's API keys for the remove.bg-compatible endpoint (docs/api.md).

    manage.py bg_api_keys create --store STORE [--name NAME] [--monthly-credits N] [--rate-limit N]
    manage.py bg_api_keys list --store STORE
    manage.py bg_api_keys revoke PREFIX --store STORE
    manage.py bg_api_keys keep-results on|off --store STORE

``create`` prints the new key alone on stdout, once (only its hash is stored), so
``KEY=$(manage.py bg_api_keys create --store shop)`` works; what it says besides goes to stderr.
STORE is a store's primary key or slug; PREFIX the first characters of a key, as ``list``
shows them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from konigle_bg.management.commands.bg_themes import find_store
from konigle_bg.removebg import keys as api_keys
from konigle_bg.removebg.models import ApiKey, ApiStoreOptions


class Command(BaseCommand):
    help = "Create, list and revoke a store's API keys (X-Api-Key of /v1.0/removebg)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a key and print it (once).")
        create.add_argument("--store", required=True)
        create.add_argument("--name", default="API key", help="What uses it.")
        create.add_argument("--monthly-credits", type=float, default=None)
        create.add_argument("--rate-limit", type=int, default=None, help="Calls a minute.")
        ls = sub.add_parser("list", help="The store's keys and their usage this month.")
        ls.add_argument("--store", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a key: it stops working at once.")
        revoke.add_argument("prefix", help="The key's first characters (see list).")
        revoke.add_argument("--store", required=True)
        keep = sub.add_parser("keep-results", help="Keep results for a day (signed URLs).")
        keep.add_argument("state", choices=["on", "off"])
        keep.add_argument("--store", required=True)

    def handle(self, *args, action: str, **opts):
        getattr(self, f"do_{action.replace('-', '_')}")(**opts)

    def do_create(self, store, name, monthly_credits=None, rate_limit=None, **opts):
        store = find_store(store)
        key, raw = api_keys.create_key(
            store, name, monthly_credits=monthly_credits, rate_limit=rate_limit
        )
        self.stderr.write(f"API key {key.prefix}… for {store} ({key.name}); it is shown only now:")
        self.stdout.write(raw)

    def do_list(self, store, **opts):
        store = find_store(store)
        keys = ApiKey.objects.filter(store=store).annotate(calls=Count("usage"))
        for key in keys:
            state = f"revoked {key.revoked:%Y-%m-%d}" if key.revoked else "active"
            self.stdout.write(
                f"{key.prefix}…  {key.name:24} {state:18} calls {key.calls:6}  "
                f"credits this month {api_keys.credits_used(key):g}"
            )

    def do_revoke(self, prefix, store, **opts):
        store = find_store(store)
        matches = list(ApiKey.objects.filter(store=store, prefix__startswith=prefix[:16]))
        if len(prefix) < 6 or len(matches) != 1:
            raise CommandError(
                f"{len(matches)} keys of {store} start with {prefix!r}: give more of the key "
                "(at least 6 characters, as `list` shows it)."
            )
        if not api_keys.revoke_key(matches[0]):
            raise CommandError(f"{matches[0].prefix}… was already revoked.")
        self.stdout.write(f"revoked {matches[0].prefix}… ({matches[0].name})")

    def do_keep_results(self, state, store, **opts):
        store = find_store(store)
        ApiStoreOptions.objects.update_or_create(
            store=store, defaults={"keep_results": state == "on"}
        )
        self.stdout.write(f"{store}: results {'kept for a day' if state == 'on' else 'not kept'}")
