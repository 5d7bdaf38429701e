"""``konigle_bg.removebg`` is an app of its own: a shop that leaves it out of INSTALLED_APPS
migrates, processes photos, reviews them and uses the API as before, and never imports it;
its models moved out of ``konigle_bg`` with their tables, so existing keys and usage survive
``migrate`` (SQLite and PostgreSQL), and a fresh database gets the tables either way.

Each site runs in its own processes (``manage.py``), on its own database."""

from __future__ import annotations

import json

import pytest

from tests import servers
from tests.procs import manage, shell, site_env

pytestmark = pytest.mark.slow

WITHOUT = "tests.settings_without_removebg"
TABLES = ("konigle_bg_apikey", "konigle_bg_apiusage", "konigle_bg_apistoreoptions")


@pytest.fixture(scope="module")
def pg_server():
    with servers.servers() as found:
        yield found.pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """Environment additions for an empty database of each engine."""
    if request.param == "sqlite":
        yield {}
        return
    server = request.getfixturevalue("pg_server")
    name = servers.fresh_name("konigle_i19_")
    yield {"DATABASE_URL": servers.create_database(server, name)}
    servers.drop_database(server, name)


def run_json(env: dict, code: str) -> dict:
    """Run ``code`` in the site's shell; it prints one JSON line last."""
    return json.loads(shell(env, code).strip().splitlines()[-1])


# -- a shop without the app -------------------------------------------------------------------

WITHOUT_APP_SCENARIO = r"""
import io, json, sys
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from PIL import Image, ImageDraw
from rest_framework.test import APIClient
from konigle_bg import services
from products.models import Product, ProductImage, Store

boss = get_user_model().objects.create_user("boss", password="pw", is_staff=True)
store = Store.objects.create(name="Shop", slug="shop", owner=boss)
product = Product.objects.create(store=store, title="Red ball")
img = Image.new("RGB", (320, 240), (90, 120, 160))
ImageDraw.Draw(img).ellipse((100, 60, 220, 180), fill=(200, 30, 30))
buf = io.BytesIO(); img.save(buf, "JPEG")
photo = ProductImage(product=product)
photo.image.save("ball.jpg", ContentFile(buf.getvalue()), save=True)
product.publish()  # SYNC: processed at once, after the commit
seen = {"shown": services.display_url(photo), "original": photo.image.url}
web = Client(); web.force_login(boss)
api = APIClient(); api.force_authenticate(boss)
seen["pages"] = [web.get(u).status_code for u in (
    f"/bg/stores/{store.pk}/", f"/bg/products/{product.pk}/", "/admin/", "/api/schema/")]
seen["admin_keys"] = "API keys" in web.get("/admin/").content.decode()
seen["schema_removebg"] = "removebg" in web.get("/api/schema/").content.decode()
listing = api.get("/api/bg/images/").json()
seen["api_list"] = len(listing["results"] if isinstance(listing, dict) else listing)
seen["reprompt"] = api.post(f"/api/bg/images/{photo.pk}/reprompt/", {"box": [90, 50, 230, 190]},
                            format="json").status_code
gone = api.post("/api/bg/v1.0/removebg", {"image_url": "https://example.com/a.jpg"})
seen["removebg"] = [gone.status_code, gone.json().get("code")]
seen["root_removebg"] = web.post("/v1.0/removebg").status_code
seen["imported"] = sorted(m for m in sys.modules if m.startswith("konigle_bg.removebg"))
seen["tables"] = sorted(t for t in connection.introspection.table_names() if "_api" in t)
print(json.dumps(seen))
"""


def test_a_shop_without_the_app_works_and_never_imports_it(tmp_path, database):
    env = site_env(tmp_path, DJANGO_SETTINGS_MODULE=WITHOUT, **database)
    manage(env, "migrate", "-v0")
    assert "konigle_bg_removebg" not in manage(env, "showmigrations")
    manage(env, "check", "--fail-level", "WARNING")
    seen = run_json(env, WITHOUT_APP_SCENARIO)
    assert seen["shown"] != seen["original"] and "/variants/" in seen["shown"]
    assert seen["pages"] == [200, 200, 200, 200]
    assert not seen["admin_keys"] and not seen["schema_removebg"]
    assert seen["api_list"] == 1 and seen["reprompt"] == 202
    assert seen["removebg"] == [404, "not_found"]  # the API's own 404, nothing else
    assert seen["root_removebg"] == 404
    assert seen["imported"] == []
    # The tables konigle_bg.0008 made stay (empty): installing the app later adopts them.
    assert seen["tables"] == sorted(TABLES)


# -- the move of the models: rows survive -------------------------------------------------------

OLD_ROWS = r"""
import json
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from konigle_bg.removebg import keys
from products.models import Store
from django.contrib.auth import get_user_model

# The models as konigle_bg 0010 had them (before the move), on the tables it made.
old = MigrationExecutor(connection).loader.project_state(("konigle_bg", "0010_job_corrections"))
ApiKey = old.apps.get_model("konigle_bg", "ApiKey")
ApiUsage = old.apps.get_model("konigle_bg", "ApiUsage")
ApiStoreOptions = old.apps.get_model("konigle_bg", "ApiStoreOptions")
user = get_user_model().objects.create_user("keeper", password="pw", is_staff=True)
store = Store.objects.create(name="Shop", slug="shop", owner=user)
raw = keys.KEY_PREFIX + "x" * 43
key = ApiKey.objects.create(store_id=store.pk, name="app", prefix=raw[:12],
                            key_hash=keys.hash_key(raw), monthly_credits=10)
for status in (200, 200, 400):
    ApiUsage.objects.create(store_id=store.pk, key_id=key.pk, status=status, credits=1)
ApiStoreOptions.objects.create(store_id=store.pk, keep_results=True)
user.user_permissions.add(Permission.objects.get(content_type__app_label="konigle_bg",
                                                 codename="view_apikey"))
print(json.dumps({"raw": raw, "key": key.pk}))
"""

NEW_ROWS = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from konigle_bg.removebg import keys
from konigle_bg.removebg.models import ApiKey, ApiStoreOptions, ApiUsage
user = get_user_model().objects.get(username="keeper")
key = keys.key_for(RAW)
print(json.dumps({
    "key": key.pk if key else None,
    "usage": list(ApiUsage.objects.filter(key=key).order_by("pk").values_list("status", flat=True)),
    "credits_used": keys.credits_used(key),
    "keeps": keys.keeps_results(key.store),
    "perm": user.has_perm("konigle_bg_removebg.view_apikey"),
    "types": sorted(ContentType.objects.filter(model__in=["apikey", "apiusage", "apistoreoptions"])
                    .values_list("app_label", flat=True)),
}))
"""


def test_existing_keys_and_usage_survive_the_move(tmp_path, database):
    env = site_env(tmp_path, **database)
    # A database from before the move: konigle_bg at 0010 (the rest as it comes).
    manage(env, "migrate", "konigle_bg", "0010", "-v0")
    for app in ("auth", "products", "authtoken", "admin"):
        manage(env, "migrate", app, "-v0")
    made = run_json(env, OLD_ROWS)
    manage(env, "migrate", "-v0")
    seen = run_json(env, NEW_ROWS.replace("RAW", repr(made["raw"])))
    assert seen["key"] == made["key"]
    assert seen["usage"] == [200, 200, 400] and seen["credits_used"] == 3
    assert seen["keeps"] is True
    # The content types moved with the models: the staff's permissions still hold.
    assert seen["perm"] is True
    assert seen["types"] == ["konigle_bg_removebg"] * 3
    manage(env, "makemigrations", "--check", "--dry-run", "konigle_bg", "konigle_bg_removebg")

    # Back and forth: going back leaves the rows; coming again adopts them again.
    manage(env, "migrate", "konigle_bg_removebg", "zero", "-v0")
    manage(env, "migrate", "-v0")
    again = run_json(env, NEW_ROWS.replace("RAW", repr(made["raw"])))
    assert again == seen


FRESH = r"""
import json
from django.core.management import call_command
from django.db import connection
from konigle_bg.removebg import keys
from konigle_bg.removebg.models import ApiUsage
from products.models import Store
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user("u", password="pw")
store = Store.objects.create(name="Shop", slug="shop", owner=user)
key, raw = keys.create_key(store, "cli")
keys.record_usage(store=store, key=key, user=None, status=200, credits=1)
print(json.dumps({"found": keys.key_for(raw) == key, "usage": ApiUsage.objects.count(),
                  "tables": sorted(t for t in connection.introspection.table_names()
                                   if t in ("konigle_bg_apikey", "konigle_bg_apiusage",
                                            "konigle_bg_apistoreoptions"))}))
"""


def test_a_fresh_database_gets_the_tables_with_the_app_now_or_later(tmp_path, database):
    env = site_env(tmp_path, DJANGO_SETTINGS_MODULE=WITHOUT, **database)
    manage(env, "migrate", "-v0")  # first without the app...
    env = site_env(tmp_path, **database)
    manage(env, "migrate", "-v0")  # ...then the shop installs it
    seen = run_json(env, FRESH)
    assert seen == {"found": True, "usage": 1, "tables": sorted(TABLES)}


def test_the_app_creates_its_tables_where_its_history_never_made_them(tmp_path):
    """A database whose konigle_bg history made no API tables (a squashed history, say):
    the app's migration creates them instead of adopting them."""
    env = site_env(tmp_path)
    manage(env, "migrate", "konigle_bg", "-v0")
    shell(env, "from django.db import connection\n"
               "with connection.schema_editor() as s:\n"
               "    for t in ('konigle_bg_apiusage', 'konigle_bg_apistoreoptions', "
               "'konigle_bg_apikey'):\n"
               "        s.execute(f'DROP TABLE {t}')\n")  # fmt: skip
    manage(env, "migrate", "-v0")
    seen = run_json(env, FRESH)
    assert seen == {"found": True, "usage": 1, "tables": sorted(TABLES)}
