"""Who may call the remove.bg-compatible endpoint, how much, and what is kept.

API keys (made by ``bg_api_keys`` and the admin, stored hashed, revoked), the API's token and
session besides them, 402/403/429 in remove.bg's shape, usage rows per key that another store
cannot read, results kept for a day only when the store opts in, the cut-out cache (a preview
then the full size, or two colours, run the segmenter once), and the OpenAPI schema.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from konigle_bg.removebg import keys as api_keys
from konigle_bg.removebg.models import ApiKey, ApiStoreOptions, ApiUsage
from products.models import Store
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db

URL = "/api/bg/v1.0/removebg"
ACCOUNT = "/api/bg/v1.0/account"
PHOTO = photo_bytes(size=(400, 300), seed=21)
B64 = base64.b64encode(PHOTO).decode()


@pytest.fixture
def other_store(django_user_model):
    other = django_user_model.objects.create_user("other", password="pw", is_staff=True)
    return Store.objects.create(name="Other", slug="other", owner=other)


def call(client, key, **params):
    return client.post(URL, {"image_file_b64": B64, **params}, HTTP_X_API_KEY=key)


# -- keys --


def test_key_is_stored_hashed_and_shown_once(store):
    key, raw = api_keys.create_key(store, "editor")
    assert raw.startswith("kbg_") and len(raw) > 40
    row = ApiKey.objects.get(pk=key.pk)
    assert raw not in (row.key_hash, row.prefix, row.name)
    assert row.key_hash == api_keys.hash_key(raw) and raw.startswith(row.prefix)
    assert api_keys.key_for(raw) == key
    assert api_keys.key_for(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.slow
def test_missing_wrong_and_revoked_keys_are_403(client, store, media):
    _, raw = api_keys.create_key(store, "script")
    for headers in ({}, {"HTTP_X_API_KEY": "kbg_wrong"}, {"HTTP_X_API_KEY": "no-prefix"}):
        resp = client.post(URL, {"image_file_b64": B64}, **headers)
        assert resp.status_code == 403, headers
        error = resp.json()["errors"][0]
        assert error["code"] == "auth_failed" and error["title"]
    assert call(client, raw).status_code == 200

    out = io.StringIO()
    call_command("bg_api_keys", "revoke", raw[:12], "--store", "shop", stdout=out)
    assert "revoked" in out.getvalue()
    resp = call(client, raw)
    assert resp.status_code == 403 and resp.json()["errors"][0]["title"] == "Invalid API Key"
    assert ApiKey.objects.get().revoked is not None


def test_management_command_create_list_revoke(store):
    out, err = io.StringIO(), io.StringIO()
    call_command("bg_api_keys", "create", "--store", "shop", "--name", "catalogue script",
                 stdout=out, stderr=err)  # fmt: skip
    raw = out.getvalue().strip()
    assert raw.startswith("kbg_") and "\n" not in raw  # the key alone: KEY=$(...) works
    assert "shown only now" in err.getvalue()
    key = ApiKey.objects.get()
    assert key.name == "catalogue script" and api_keys.key_for(raw) == key

    api_keys.record_usage(store=store, key=key, user=None, status=200, credits=1)
    listing = io.StringIO()
    call_command("bg_api_keys", "list", "--store", str(store.pk), stdout=listing)
    assert key.prefix in listing.getvalue() and "active" in listing.getvalue()
    assert raw not in listing.getvalue()
    assert "calls      1" in listing.getvalue()

    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("bg_api_keys", "revoke", "kbg", "--store", "shop")  # too short to tell
    call_command("bg_api_keys", "revoke", key.prefix, "--store", "shop", stdout=io.StringIO())
    assert api_keys.key_for(raw) is None
    with pytest.raises(CommandError):
        call_command("bg_api_keys", "create", "--store", "nope")


@pytest.mark.slow
def test_token_and_session_callers(client, store, owner, media, django_user_model):
    token = Token.objects.create(user=owner)
    resp = client.post(URL, {"image_file_b64": B64}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    client.force_login(owner)
    assert client.post(URL, {"image_file_b64": B64}).status_code == 200
    usage = ApiUsage.objects.filter(user=owner)
    assert usage.count() == 2 and {u.store_id for u in usage} == {store.pk}
    # A user of no store has nobody's credits to spend.
    loner = django_user_model.objects.create_user("loner", password="pw")
    client.force_login(loner)
    resp = client.post(URL, {"image_file_b64": B64})
    assert resp.status_code == 403 and resp.json()["errors"][0]["code"] == "auth_failed"


# -- limits --


@pytest.mark.slow
def test_rate_limit_gives_429_with_retry_after(client, store, media):
    _, raw = api_keys.create_key(store, "burst", rate_limit=2)
    first, second, third = (call(client, raw) for _ in range(3))
    assert first.status_code == second.status_code == 200
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
    assert second["X-RateLimit-Remaining"] == "0"
    assert third.status_code == 429
    assert third.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert 1 <= int(third["Retry-After"]) <= 60
    assert third["X-RateLimit-Remaining"] == "0"
    assert int(third["X-RateLimit-Reset"]) > timezone.now().timestamp()
    # Another key of the same store has its own window.
    _, other = api_keys.create_key(store, "other")
    assert call(client, other).status_code == 200
    assert list(ApiUsage.objects.order_by("pk").values_list("status", flat=True)) == [
        200, 200, 429, 200,
    ]  # fmt: skip


def test_rate_window_resets_each_minute():
    first = api_keys.take_call("test-window", 1, now=120.0)
    again = api_keys.take_call("test-window", 1, now=150.0)
    later = api_keys.take_call("test-window", 1, now=185.0)
    assert first.allowed and not again.allowed and later.allowed
    assert again.reset == 180 and again.headers()["Retry-After"]
    assert "Retry-After" not in first.headers()


@pytest.mark.slow
def test_monthly_credits_give_402(client, store, media):
    _, raw = api_keys.create_key(store, "metered", monthly_credits=1.25)
    assert call(client, raw, size="full").status_code == 200  # 1 credit
    resp = call(client, raw, size="full")
    assert resp.status_code == 402
    assert resp.json()["errors"][0]["code"] == "insufficient_credits"
    assert call(client, raw, size="preview").status_code == 200  # 0.25 fits
    assert call(client, raw, size="preview").status_code == 402
    account = client.get(ACCOUNT, HTTP_X_API_KEY=raw).json()["data"]["attributes"]
    assert account["credits"]["total"] == 0
    assert account["usage"]["credits"] == 1.25


# -- usage: counted per key, readable by its own store only --


@pytest.mark.slow
def test_usage_rows_and_account_are_per_store(client, store, other_store, media):
    _, mine = api_keys.create_key(store, "mine")
    _, theirs = api_keys.create_key(other_store, "theirs")
    assert call(client, mine, size="full").status_code == 200
    assert call(client, mine, size="preview").status_code == 200
    assert call(client, mine, size="bogus").status_code == 400
    for _ in range(3):
        assert call(client, theirs, size="full").status_code == 200

    rows = ApiUsage.objects.filter(store=store).order_by("pk")
    assert [(r.status, r.credits, r.error_code) for r in rows] == [
        (200, 1.0, ""), (200, 0.25, ""), (400, 0.0, "invalid_size"),
    ]  # fmt: skip
    assert rows[0].width == 400 and rows[0].height == 300
    assert all(r.key.store_id == store.pk for r in rows)

    mine_account = client.get(ACCOUNT, HTTP_X_API_KEY=mine)
    theirs_account = client.get(ACCOUNT, HTTP_X_API_KEY=theirs)
    assert mine_account.json()["data"]["attributes"]["usage"] == {
        "calls": 3, "failed": 1, "credits": 1.25,
        "since": mine_account.json()["data"]["attributes"]["usage"]["since"],
    }  # fmt: skip
    assert theirs_account.json()["data"]["attributes"]["usage"]["calls"] == 3
    assert theirs_account.json()["data"]["attributes"]["usage"]["credits"] == 3.0
    assert client.get(ACCOUNT).status_code == 403


@pytest.mark.slow
def test_nothing_is_kept_but_the_usage_row(client, store, media):
    _, raw = api_keys.create_key(store, "k")
    resp = client.post(
        URL, {"image_file_b64": B64}, HTTP_X_API_KEY=raw, HTTP_ACCEPT="application/json"
    )
    assert resp.status_code == 200 and "result_url" not in resp.json()["data"]
    assert "X-Result-Url" not in resp
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert files == []
    assert ApiUsage.objects.count() == 1


@pytest.mark.slow
def test_kept_results_for_a_day_by_signed_url(client, store, media, settings):
    ApiStoreOptions.objects.create(store=store, keep_results=True)
    _, raw = api_keys.create_key(store, "k")
    resp = client.post(
        URL, {"image_file_b64": B64}, HTTP_X_API_KEY=raw, HTTP_ACCEPT="application/json"
    )
    data = resp.json()["data"]
    url = data["result_url"]
    assert url == resp["X-Result-Url"] and url.startswith("http://testserver/api/bg/v1.0/results/")
    kept = client.get(url)
    assert kept.status_code == 200 and kept["Content-Type"] == "image/png"
    assert b"".join(kept.streaming_content) == base64.b64decode(data["result_b64"])
    # A forged or altered token is refused; so is the real one after a day.
    assert client.get(url[:-2] + "xx").status_code == 404
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REMOVEBG_KEEP_SECONDS": 0}
    import time

    time.sleep(1.1)
    gone = client.get(url)
    assert gone.status_code == 404 and gone.json()["errors"][0]["code"] == "not_found"
    # The next kept result prunes files older than the keeping time.
    client.post(URL, {"image_file_b64": B64}, HTTP_X_API_KEY=raw)
    files = [p for p in (media / "konigle_bg" / "api-results").rglob("*") if p.is_file()]
    assert len(files) == 1


# -- the cut-out is reused for the same bytes --


@pytest.mark.slow
def test_preview_then_full_and_two_colours_pay_one_cutout(client, store, media, predicts):
    caches["default"].clear()
    _, raw = api_keys.create_key(store, "k")
    photo = base64.b64encode(photo_bytes(size=(420, 320), seed=33)).decode()
    first = client.post(URL, {"image_file_b64": photo, "size": "preview"}, HTTP_X_API_KEY=raw)
    assert first.status_code == 200
    one_cutout = len(predicts)
    assert one_cutout >= 1
    for params in ({"size": "full"}, {"bg_color": "ff0000"}, {"bg_color": "0000ff"},
                   {"crop": "true", "format": "zip"}):  # fmt: skip
        resp = client.post(URL, {"image_file_b64": photo, **params}, HTTP_X_API_KEY=raw)
        assert resp.status_code == 200, resp.content[:200]
    assert len(predicts) == one_cutout  # four more results, no more segmentation
    # A region of interest is another cut-out; other bytes are too.
    client.post(URL, {"image_file_b64": photo, "roi": "0% 0% 60% 100%"}, HTTP_X_API_KEY=raw)
    assert len(predicts) > one_cutout
    n = len(predicts)
    other = base64.b64encode(photo_bytes(size=(420, 320), seed=34)).decode()
    client.post(URL, {"image_file_b64": other}, HTTP_X_API_KEY=raw)
    assert len(predicts) > n


@pytest.mark.slow
def test_cache_off_segments_every_time(client, store, media, predicts, settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REMOVEBG_CUTOUT_CACHE_SECONDS": 0}
    _, raw = api_keys.create_key(store, "k")
    photo = base64.b64encode(photo_bytes(size=(300, 240), seed=35)).decode()
    client.post(URL, {"image_file_b64": photo}, HTTP_X_API_KEY=raw)
    once = len(predicts)
    client.post(URL, {"image_file_b64": photo}, HTTP_X_API_KEY=raw)
    assert len(predicts) == 2 * once


# -- admin --


KEYS = "/admin/konigle_bg_removebg/apikey/"


@pytest.fixture
def staff_client(client, owner):
    owner.user_permissions.set(Permission.objects.filter(content_type__app_label="konigle_bg_removebg"))
    client.force_login(owner)
    return client


def test_admin_creates_key_shown_once_and_revokes(staff_client, store, other_store):
    add = reverse("admin:konigle_bg_removebg_apikey_add")
    resp = staff_client.post(add, {"store": store.pk, "name": "mobile app"}, follow=True)
    assert resp.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in resp.context["messages"]]
    raw = shown[0].rsplit(" ", 1)[-1]
    assert api_keys.key_for(raw) == key and key.created_by.username == "owner"
    page = staff_client.get(reverse("admin:konigle_bg_removebg_apikey_change", args=[key.pk]))
    assert raw not in page.content.decode() and key.prefix in page.content.decode()

    api_keys.record_usage(store=store, key=key, user=None, status=200, credits=1)
    listing = staff_client.get(KEYS).content.decode()
    assert "mobile app" in listing and '<td class="field-calls">1</td>' in listing

    # Another store's keys and calls are not on this owner's pages; its store is not offered.
    _, theirs = api_keys.create_key(other_store, "their secret app")
    api_keys.record_usage(store=other_store, key=ApiKey.objects.get(name="their secret app"),
                          user=None, status=200, credits=1)  # fmt: skip
    listing = staff_client.get(KEYS).content.decode()
    assert "their secret app" not in listing
    usage = staff_client.get(reverse("admin:konigle_bg_removebg_apiusage_changelist"))
    assert usage.context["cl"].result_count == 1
    form = staff_client.get(add).content.decode()
    assert "Other" not in form
    staff_client.post(add, {"store": other_store.pk, "name": "sneaky"})
    assert not ApiKey.objects.filter(name="sneaky").exists()

    staff_client.post(
        reverse("admin:konigle_bg_removebg_apikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )
    assert api_keys.key_for(raw) is None


def test_revoke_keeps_usage_history(store):
    key, raw = api_keys.create_key(store, "old")
    api_keys.record_usage(store=store, key=key, user=None, status=200, credits=1)
    assert api_keys.revoke_key(key) and not api_keys.revoke_key(key)
    assert ApiUsage.objects.get().key_id == key.pk
    # Usage older than this month does not count against this month's credits.
    ApiUsage.objects.update(created=timezone.now() - timedelta(days=40))
    assert api_keys.credits_used(key) == 0


# -- OpenAPI --


def test_openapi_documents_the_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    op = schema["paths"]["/api/bg/v1.0/removebg"]["post"]
    assert "/v1.0/removebg" not in schema["paths"]  # the alias is documented once
    assert set(op["requestBody"]["content"]) == {
        "multipart/form-data", "application/json", "application/x-www-form-urlencoded",
    }  # fmt: skip
    multipart = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][multipart.rsplit("/", 1)[-1]]["properties"]
    for name in ("image_file", "image_file_b64", "image_url", "size", "type", "format", "roi",
                 "crop", "crop_margin", "scale", "position", "channels", "bg_color",
                 "bg_image_url", "bg_image_file", "add_shadow", "semitransparency"):  # fmt: skip
        assert name in fields, name
    ok = op["responses"]["200"]
    assert {"image/png", "image/jpeg", "image/webp", "application/zip", "application/json"} <= set(
        ok["content"]
    )
    assert {"X-Width", "X-Height", "X-Type", "X-Foreground-Top"} <= set(ok["headers"])
    for status in ("400", "402", "403", "429"):
        assert status in op["responses"], status
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert {"ApiKeyHeader": []} in op["security"]
    scheme = schema["components"]["securitySchemes"]["ApiKeyHeader"]
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


def test_png_result_decodes(client, store, media):
    """A sanity row outside the table: the default answer is a decodable image."""
    _, raw = api_keys.create_key(store, "k")
    resp = call(client, raw)
    img = Image.open(io.BytesIO(resp.content))
    assert img.format == "PNG" and img.size == (int(resp["X-Width"]), int(resp["X-Height"]))
