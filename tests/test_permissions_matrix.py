"""Who may see and do what, at every URL the site has.

Every URL pattern (admin, review pages, API, storefront, media) is enumerated from the
resolver; each must be in MATRIX (a new endpoint fails ``test_every_url_is_in_the_matrix``
until someone decides who may use it). Four users try each one against store A's objects:
anonymous, the staff of another store (same permissions, wrong store), staff of store A and
a superuser. Only the last two may read or act; other stores' objects are 404s (the admin's
own convention for a missing object, a redirect to its index, is accepted there), never 200.
Session-authenticated writes need the CSRF token. Media are served with a safe type and nosniff.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from konigle_bg import services
from konigle_bg.models import Job, ThemeRun, Variant
from products.models import Product, ProductImage, Store
from tests.conftest import photo_bytes

pytestmark = pytest.mark.django_db

MARKER = "Alpha Secret Kettle"  # store A's product title: must never reach another store


@dataclass(frozen=True)
class Entry:
    kind: str  # public | auth | staff | list | object | superuser | catchall
    method: str = "GET"
    obj: str | None = None  # which of store A's objects fills the URL
    query: str = ""


def admin_model(
    prefix: str, obj: str, kind: str = "object", add: str = "staff"
) -> dict[str, Entry]:
    lst = "list" if kind == "object" else kind
    return {
        f"admin/{prefix}/": Entry(lst),
        f"admin/{prefix}/add/": Entry(add if kind == "object" else kind),
        f"admin/{prefix}/<path:object_id>/history/": Entry(kind, obj=obj),
        f"admin/{prefix}/<path:object_id>/delete/": Entry(kind, obj=obj),
        f"admin/{prefix}/<path:object_id>/change/": Entry(kind, obj=obj),
        f"admin/{prefix}/<path:object_id>/": Entry(kind, obj=obj),
    }


MATRIX: dict[str, Entry] = {
    # storefront and docs: public by design (published products only; the schema has no data)
    "": Entry("public"),
    "p/<int:pk>/": Entry("public", obj="product"),
    "api/schema/": Entry("public"),
    "api/docs/": Entry("public"),
    "api/redoc/": Entry("public"),
    "^media/(?P<path>.*)$": Entry("public", obj="media"),
    # admin site
    "admin/": Entry("staff"),
    "admin/login/": Entry("auth"),
    "admin/logout/": Entry("auth", method="POST"),
    "admin/password_change/": Entry("staff"),
    "admin/password_change/done/": Entry("staff"),
    "admin/autocomplete/": Entry("staff"),
    "admin/jsi18n/": Entry("staff"),
    "admin/r/<path:content_type_id>/<path:object_id>/": Entry("object", obj="view_on_site"),
    "admin/^(?P<app_label>auth|authtoken|django_q|konigle_bg|products|konigle_bg_removebg"
    ")/$": Entry("staff", obj="app_label"),
    "admin/(?P<url>.*)$": Entry("catchall"),
    **admin_model("products/product", "product"),
    "admin/products/product/<path:object_id>/revert-photos/": Entry(
        "object", "POST", obj="product"
    ),
    "admin/products/product/<path:object_id>/accept-photos/": Entry(
        "object", "POST", obj="product"
    ),
    **admin_model("products/store", "store"),
    **admin_model("konigle_bg/backgroundtheme", "theme"),
    "admin/konigle_bg/backgroundtheme/switch/": Entry("staff"),
    "admin/konigle_bg/backgroundtheme/switch/preview/<int:theme_id>/<int:image_id>/": Entry(
        "object", obj="preview"
    ),
    "admin/konigle_bg/backgroundtheme/runs/<int:run_id>/": Entry("object", obj="run"),
    "admin/konigle_bg/backgroundtheme/runs/<int:run_id>/progress/": Entry("object", obj="run"),
    "admin/konigle_bg/backgroundtheme/runs/<int:run_id>/cancel/": Entry(
        "object", "POST", obj="run"
    ),
    "admin/konigle_bg/backgroundtheme/product/<int:product_id>/": Entry("object", obj="product"),
    **admin_model("konigle_bg/variant", "variant", add="nobody"),
    **admin_model("konigle_bg/cutout", "cutout", add="nobody"),
    **admin_model("konigle_bg/themerun", "run", add="nobody"),
    **admin_model("auth/user", "user", "superuser"),
    "admin/auth/user/<id>/password/": Entry("superuser", obj="user"),
    **admin_model("auth/group", "user", "superuser"),
    **admin_model("authtoken/tokenproxy", "user", "superuser"),
    **admin_model("django_q/schedule", "user", "superuser"),
    **admin_model("django_q/success", "user", "superuser"),
    **admin_model("django_q/failure", "user", "superuser"),
    **admin_model("django_q/ormq", "user", "superuser"),
    # review pages
    "bg/": Entry("staff"),
    "bg/jsi18n/": Entry("public"),  # the review pages' translations
    "bg/stores/<int:store_id>/": Entry("object", obj="store"),
    "bg/products/<int:product_id>/": Entry("object", obj="product"),
    "bg/products/<int:product_id>/revert/": Entry("object", "POST", obj="product"),
    "bg/products/<int:product_id>/reprocess/": Entry("object", "POST", obj="product"),
    "bg/images/status/": Entry("list", obj="ids"),
    "bg/images/<int:image_id>/status/": Entry("object", obj="image"),
    "bg/images/<int:image_id>/reprompt/": Entry("object", "POST", obj="image"),
    "bg/images/<int:image_id>/revert/": Entry("object", "POST", obj="image"),
    "bg/images/<int:image_id>/activate/": Entry("object", "POST", obj="image"),
    "bg/images/<int:image_id>/accept/": Entry("object", "POST", obj="image"),
    # API
    "api/bg/": Entry("staff"),
    "api/bg/^images/$": Entry("list"),
    "api/bg/^images/(?P<pk>[^/.]+)/$": Entry("object", obj="image"),
    "api/bg/^images/(?P<pk>[^/.]+)/accept/$": Entry("object", "POST", obj="image"),
    "api/bg/^images/(?P<pk>[^/.]+)/activate/$": Entry("object", "POST", obj="image"),
    "api/bg/^images/(?P<pk>[^/.]+)/reprompt/$": Entry("object", "POST", obj="image"),
    "api/bg/images/<int:pk>/corrections/": Entry("object", "POST", obj="image"),
    "api/bg/^images/(?P<pk>[^/.]+)/revert/$": Entry("object", "POST", obj="image"),
    "api/bg/^jobs/$": Entry("list"),
    "api/bg/^jobs/(?P<pk>[^/.]+)/$": Entry("object", obj="job"),
    "api/bg/^products/(?P<pk>[^/.]+)/reprocess/$": Entry("object", "POST", obj="product"),
    "api/bg/^products/(?P<pk>[^/.]+)/revert/$": Entry("object", "POST", obj="product"),
    "api/bg/^themes/$": Entry("list"),
    "api/bg/^themes/(?P<pk>[^/.]+)/$": Entry("object", obj="theme"),
    "api/bg/^theme-runs/$": Entry("list"),
    "api/bg/^theme-runs/(?P<pk>[^/.]+)/$": Entry("object", obj="run"),
    "api/bg/^theme-runs/(?P<pk>[^/.]+)/cancel/$": Entry("object", "POST", obj="run"),
    "api/bg/products/<int:pk>/photos/": Entry("object", "POST", obj="product"),
    "api/bg/products/<int:pk>/photos-from-url/": Entry("object", "POST", obj="product"),
    # remove.bg-compatible API (keys, token or session; the caller's store only)
    "api/bg/v1.0/removebg": Entry("removebg", "POST"),
    "v1.0/removebg": Entry("removebg", "POST"),
    "api/bg/v1.0/account": Entry("list"),
    "v1.0/account": Entry("list"),
    "api/bg/v1.0/results/<str:token>": Entry("removebg", obj="token"),
    "v1.0/results/<str:token>": Entry("removebg", obj="token"),
    **admin_model("konigle_bg_removebg/apikey", "apikey"),
    **admin_model("konigle_bg_removebg/apiusage", "apiusage", add="nobody"),
    **admin_model("konigle_bg_removebg/apistoreoptions", "apistoreoptions"),
    # Any other path under the API: its own 404 in the API's error shape, for everyone.
    "api/bg/^[\\s\\S]*$": Entry("catchall"),
}

FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>\[a-z0-9\]\+\)/\?|<drf_format_suffix:format>")


def all_routes() -> list[str]:
    out = []

    def walk(resolver, prefix: str) -> None:
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p, route)
            elif isinstance(p, URLPattern):
                out.append(route)

    walk(get_resolver(), "")
    return out


def entry_for(route: str) -> Entry | None:
    # DRF's format-suffix twins (images.json) answer exactly like their base route.
    base = FORMAT_SUFFIX.sub("", route).replace("$$", "$")
    if base.endswith("$") and not base.endswith("/$") and "^" in base:
        base = base[:-1] + "/$" if not base.endswith("/$") else base
    for candidate in (route, base, re.sub(r"\\\.\(\?P<format>.*$", "/$", route)):
        if candidate in MATRIX:
            return MATRIX[candidate]
    if route.startswith("admin/auth/user/<id>/password/"):
        return MATRIX["admin/auth/user/<id>/password/"]
    return None


def test_every_url_is_in_the_matrix():
    missing = [r for r in all_routes() if entry_for(r) is None]
    assert not missing, f"decide who may use these and add them to MATRIX: {missing}"


# -------------------------------------------------------------------------------- the world


@pytest.fixture
def world(django_user_model, media, settings):
    settings.SERVE_MEDIA = True  # the dev media view, as `make demo` runs it
    perms = Permission.objects.filter(
        content_type__app_label__in=["products", "konigle_bg", "konigle_bg_removebg"]
    )

    def staff(name: str, **kw):
        user = django_user_model.objects.create_user(name, password="pw", is_staff=True, **kw)
        user.user_permissions.set(perms)
        return user

    owner_a, member_a, owner_b = staff("owner_a"), staff("member_a"), staff("owner_b")
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    store_a = Store.objects.create(name="A", slug="a", owner=owner_a)
    store_a.staff.add(member_a)
    store_b = Store.objects.create(name="B", slug="b", owner=owner_b)
    product = Product.objects.create(store=store_a, title=MARKER)
    image = ProductImage(product=product)
    image.image.save("p.jpg", ContentFile(photo_bytes(size=(160, 120))), save=True)
    product.publish()
    outcome = services.cut_out_and_show(image.pk)
    assert outcome.status == "done"
    variant = outcome.variant
    theme = variant.theme
    run = ThemeRun.objects.create(store=store_a, theme=theme, state="completed", total=1, done=1)
    job = Job.objects.create(image=image, status="done", prompt="kettle")
    other_product = Product.objects.create(store=store_b, title="Beta Mug")
    from konigle_bg.removebg import keys as api_keys
    from konigle_bg.removebg.models import ApiStoreOptions, ApiUsage

    apikey, _ = api_keys.create_key(store_a, MARKER)
    apiusage = ApiUsage.objects.create(store=store_a, key=apikey, status=200, error_code=MARKER)
    apistoreoptions = ApiStoreOptions.objects.create(store=store_a)
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Product)
    return {
        "users": {"anonymous": None, "other": owner_b, "staff": member_a, "superuser": boss},
        "store": store_a.pk,
        "product": product.pk,
        "image": image.pk,
        "variant": variant.pk,
        "cutout": variant.cutout_id,
        "theme": theme.pk,
        "run": run.pk,
        "job": job.pk,
        "user": owner_a.pk,
        "other_product": other_product.pk,
        "media": variant.file.name,
        "view_on_site": (ct.pk, product.pk),
        "preview": (theme.pk, image.pk),
        "apikey": apikey.pk,
        "apiusage": apiusage.pk,
        "apistoreoptions": apistoreoptions.pk,
        "token": "not-a-signed-token",
    }


PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def url_for(route: str, entry: Entry, w: dict) -> str:
    values = {}
    if entry.obj == "view_on_site":
        values = dict(zip(["content_type_id", "object_id"], w["view_on_site"], strict=True))
    elif entry.obj == "preview":
        values = dict(zip(["theme_id", "image_id"], w["preview"], strict=True))
    elif entry.obj == "media":
        values = {"path": w["media"]}
    elif entry.obj == "ids":
        pass
    elif entry.obj == "app_label":
        values = {"app_label": "products"}
    elif entry.obj == "token":
        values = {"token": w["token"]}
    elif entry.obj:
        values = dict.fromkeys(
            ["pk", "object_id", "store_id", "product_id", "image_id", "run_id", "id"],
            w[entry.obj],
        )
    values.setdefault("format", "json")
    values.setdefault("url", "no-such-page/")

    def fill(m: re.Match) -> str:
        return str(values[m.group(1) or m.group(2)])

    path = PARAM.sub(fill, route.replace("<drf_format_suffix:format>", ".json"))
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    url = "/" + path
    if entry.obj == "ids":
        url += f"?ids={w['image']}"
    return url


def client_for(user, csrf: bool = False) -> Client:
    # A 500 is a finding like any other: collect it instead of raising.
    client = Client(enforce_csrf_checks=csrf, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# 409: allowed, but the object's state says no (e.g. accept with no result held).
ALLOWED_WRITE = {200, 201, 202, 204, 302, 400, 409}


def check(route: str, entry: Entry, role: str, resp) -> str | None:
    """None when ``resp`` is what ``role`` should get, else what went wrong."""
    code = resp.status_code
    body = resp.content if not getattr(resp, "streaming", False) else b""
    location = resp.get("Location", "")
    leaked = MARKER.encode() in body
    if code >= 500:
        return f"server error {code}"
    if role != "anonymous" and entry.kind != "auth" and code == 302 and "login" in location:
        return "a logged-in user was sent to the login page"
    if entry.kind == "public":
        return None if code == 200 else f"public page answered {code}"
    if entry.kind == "auth":
        return None if code in (200, 302) else f"auth page answered {code}"
    if entry.kind == "removebg":  # its own shape: 403 without a caller, 400 for an empty call
        return None if code in (400, 403, 404) and not leaked else f"{role} got {code}"
    if entry.kind == "catchall":  # nothing there, for anyone (the admin's asks to log in)
        return None if code in (404, 302) else f"catch-all answered {code}"
    if role == "anonymous":
        if code in (401, 403) or (code == 302 and "login" in location):
            return None
        return f"anonymous got {code} {location}"
    if entry.kind == "nobody":  # read-only admins: rows are made by the app, not by hand
        return None if code == 403 else f"{role} got {code} (want 403)"
    if entry.kind == "superuser":
        if role == "superuser":  # django-q's result tables are read-only (no add page)
            return None if code in (200, 302) or route.endswith("/add/") else f"got {code}"
        return None if code in (302, 403, 404) and not leaked else f"{role} got {code}"
    if entry.kind == "staff":
        ok = code in (200, 302) or (code == 400 and route == "admin/autocomplete/")
        ok = ok or (code == 403 and route == "admin/autocomplete/")  # needs real params
        if role == "other" and leaked:
            return "another store's product is shown"
        return None if ok else f"{role} got {code}"
    if entry.kind == "list":
        if code != 200:
            return f"{role} got {code} on a list"
        if role == "other" and leaked:
            return "another store's object is listed"
        if role != "other" and not leaked and "admin/" in route:
            if route.startswith(("admin/products/product/",)):
                return "store A's own product is missing from its list"
        return None
    # object
    if role == "other":
        if leaked:
            return "another store's object leaked"
        if route.startswith("admin/") and code == 302 and "login" not in location:
            return None  # the admin's "no such object" redirect to its index
        return None if code == 404 else f"other store got {code} (want 404)"
    if entry.method == "POST":
        return None if code in ALLOWED_WRITE else f"{role} got {code} on a write"
    return None if code in (200, 302) else f"{role} got {code}"


@pytest.mark.parametrize("role", ["anonymous", "other", "staff", "superuser"])
def test_matrix(world, role):
    user = world["users"][role]
    client = client_for(user)
    problems = []
    # Log-in/out pages last: a logout in the middle would turn the rest anonymous.
    for route in sorted(all_routes(), key=lambda r: entry_for(r).kind == "auth"):
        entry = entry_for(route)
        url = url_for(route, entry, world)
        resp = client.post(url) if entry.method == "POST" else client.get(url)
        if (problem := check(route, entry, role, resp)) is not None:
            problems.append(f"{entry.method} {url}: {problem}")
    assert not problems, "\n".join(problems)


def test_other_store_cannot_create_in_mine(world):
    """Creating through the API with store A's id is refused, not done for the wrong store."""
    client = client_for(world["users"]["other"])
    resp = client.post(
        "/api/bg/themes/",
        {"store": world["store"], "name": "Hijack", "slug": "hijack", "spec": {}},
        content_type="application/json",
    )
    assert resp.status_code in (400, 404), resp.content
    from konigle_bg.models import BackgroundTheme

    assert not BackgroundTheme.objects.filter(slug="hijack").exists()


def test_writes_need_the_csrf_token(world):
    staff = world["users"]["staff"]
    writes = [(r, e) for r in all_routes() if (e := entry_for(r)).method == "POST"]
    writes = [(r, e) for r, e in writes if e.kind == "object"]
    assert len(writes) >= 10
    for route, entry in writes:
        url = url_for(route, entry, world)
        resp = client_for(staff, csrf=True).post(url)
        assert resp.status_code == 403, (url, resp.status_code)
        assert b"CSRF" in resp.content, url
    # With the token the same kind of request goes through.
    client = client_for(staff, csrf=True)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    url = f"/bg/images/{world['image']}/revert/"
    resp = client.post(url, HTTP_X_CSRFTOKEN=token)
    assert resp.status_code in (200, 302), resp.status_code
    assert not Variant.objects.filter(image_id=world["image"], is_active=True).exists()


def test_media_are_served_with_a_safe_type(world, client, settings):
    owner = world["users"]["staff"]
    client.force_login(owner)
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    # An HTML file renamed .jpg never gets past the upload check ...
    add = reverse("admin:products_product_add")
    page = client.post(
        add,
        {
            "store": world["store"],
            "title": "x",
            "status": "draft",
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "0",
            "images-MIN_NUM_FORMS": "0",
            "images-MAX_NUM_FORMS": "1000",
            "images-0-image": SimpleUploadedFile("evil.jpg", html, "image/jpeg"),
            "images-0-position": "0",
        },
    )
    assert page.status_code == 200 and not Product.objects.filter(title="x").exists()
    # ... and were it in storage anyway, it is served as an image, with nosniff.
    from django.core.files.storage import default_storage

    name = default_storage.save("products/planted/evil.jpg", ContentFile(html))
    resp = Client().get(f"/media/{name}")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/jpeg"
    assert resp["X-Content-Type-Options"] == "nosniff"
    # A real image that is also HTML (polyglot), uploaded as .html, is not stored as .html.
    polyglot = photo_bytes(size=(32, 24), fmt="PNG") + html
    page = client.post(
        add,
        {
            "store": world["store"],
            "title": "poly",
            "status": "draft",
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "0",
            "images-MIN_NUM_FORMS": "0",
            "images-MAX_NUM_FORMS": "1000",
            "images-0-image": SimpleUploadedFile("evil.html", polyglot, "text/html"),
            "images-0-position": "0",
        },
    )
    stored = ProductImage.objects.get(product__title="poly").image
    resp = Client().get(stored.url)
    assert not stored.name.endswith(".html")
    assert "html" not in resp["Content-Type"] and resp["X-Content-Type-Options"] == "nosniff"
    # Generated variants too.
    variant = Variant.objects.get(pk=world["variant"])
    resp = Client().get(variant.file.url)
    assert resp["Content-Type"].startswith("image/") and resp["X-Content-Type-Options"] == "nosniff"


def test_admin_store_picker_offers_only_my_stores(world):
    """The theme form's store choice is scoped: posting another store's id is refused."""
    from konigle_bg.imaging.compose import PRESETS
    from konigle_bg.models import BackgroundTheme

    client = client_for(world["users"]["other"])
    add = reverse("admin:konigle_bg_backgroundtheme_add")
    page = client.get(add)
    assert page.status_code == 200
    choices = [v for v, _ in page.context["adminform"].form.fields["store"].choices if v]
    assert [int(str(v)) for v in choices] == [Store.objects.get(slug="b").pk]
    resp = client.post(
        add,
        {
            "store": world["store"],
            "name": "Hijack",
            "slug": "hijack",
            "preset": "",
            "spec": json.dumps(PRESETS["white"].to_dict()),
        },
    )
    assert resp.status_code == 200 and "store" in resp.context["adminform"].form.errors
    assert not BackgroundTheme.objects.filter(slug="hijack").exists()
