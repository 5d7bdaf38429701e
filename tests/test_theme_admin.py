"""Admin theme switch: choose -> preview -> confirm -> run; progress JSON; cancel; scoping;
per-product theme."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from konigle_bg import services
from konigle_bg.models import PhotoState, ThemeRun, Variant
from tests.theme_fixtures import seed_cutout

pytestmark = pytest.mark.django_db

SMALL = {"size": (200, 150)}


def _url(name, *args, **kw):
    return reverse(f"admin:konigle_bg_backgroundtheme_{name}", args=args, **kw)


@pytest.fixture
def staff(client, owner):
    """The store owner as non-superuser staff with the app's model permissions."""
    from django.contrib.auth.models import Permission

    owner.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["products", "konigle_bg"])
    )
    client.force_login(owner)
    return client


@pytest.fixture
def themes(store):
    services.active_theme(store)
    return {t.slug: t for t in services.install_presets(store, ["white", "studio", "transparent"])}


@pytest.fixture
def catalogue(make_product):
    """Seven published products whose photos have cut-outs (none shown yet)."""
    products = [
        # Larger than a preview tile, so the preview must scale it down.
        make_product(title=f"Product {i}", photos=1, published=True, size=(400, 300))
        for i in range(7)
    ]
    for p in products:
        seed_cutout(p.images.get())
    return products


@pytest.fixture
def other_store(django_user_model):
    from products.models import Store

    stranger = django_user_model.objects.create_user("stranger", password="pw", is_staff=True)
    store = Store.objects.create(name="Other", slug="other", owner=stranger)
    return store, services.install_presets(store, ["studio"])[0]


def test_choose_preview_confirm_runs(
    staff, store, themes, catalogue, owner, sync_jobs, django_capture_on_commit_callbacks
):
    page = staff.get(reverse("admin:konigle_bg_backgroundtheme_changelist"))
    assert _url("switch") in page.content.decode()  # the "Switch store theme" button

    page = staff.get(_url("switch"))
    assert page.status_code == 200
    assert f"?theme={themes['studio'].pk}" in page.content.decode()

    page = staff.get(_url("switch"), {"theme": themes["studio"].pk})
    assert page.status_code == 200
    previews = page.context["previews"]
    assert len(previews) == 6  # six products, not all seven
    assert not Variant.objects.exists()  # previews store nothing
    for p in previews:
        assert p["url"] in page.content.decode()
        resp = staff.get(p["url"])
        assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
        img = Image.open(io.BytesIO(resp.content))
        assert max(img.size) == 240
    assert not Variant.objects.exists()

    # A transparent theme previews as PNG with alpha.
    image = catalogue[0].images.get()
    resp = staff.get(_url("preview", themes["transparent"].pk, image.pk))
    assert resp["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(resp.content)).mode == "RGBA"

    with django_capture_on_commit_callbacks(execute=True):
        resp = staff.post(
            _url("switch"), {"theme": themes["studio"].pk, "activation": "progressive"}
        )
    run = ThemeRun.objects.get()
    assert resp.status_code == 302 and resp["Location"] == _url("run", run.pk)
    assert run.started_by == owner and run.activation == "progressive"
    assert not run.include_reverted
    assert run.state == "completed" and run.done == 7
    page = staff.get(_url("run", run.pk))
    assert page.status_code == 200 and _url("progress", run.pk) in page.content.decode()
    assert Variant.objects.filter(theme=themes["studio"], is_active=True).count() == 7


def test_progress_json_and_cancel(staff, store, themes, catalogue):
    # Tasks never run here (nothing commits): the run stays open.
    resp = staff.post(
        _url("switch"),
        {"theme": themes["studio"].pk, "activation": "at_end", "include_reverted": "1"},
    )
    run = ThemeRun.objects.get()
    assert run.include_reverted and run.state == "running"
    ThemeRun.objects.filter(pk=run.pk).update(done=3, failed=1)

    data = staff.get(_url("progress", run.pk)).json()
    assert data["state"] == "running" and data["open"] is True
    assert (data["total"], data["done"], data["failed"], data["skipped"]) == (7, 3, 1, 0)
    assert data["percent"] == 57 and data["theme"] == themes["studio"].name

    # A second switch is refused while this one is open, with a message, not an error page.
    resp = staff.post(_url("switch"), {"theme": themes["white"].pk}, follow=True)
    assert ThemeRun.objects.count() == 1
    assert "already running" in resp.content.decode()

    assert staff.get(_url("cancel", run.pk)).status_code == 405
    resp = staff.post(_url("cancel", run.pk))
    assert resp.status_code == 302
    run.refresh_from_db()
    assert run.state == "cancelled" and run.cancel_requested
    data = staff.get(_url("progress", run.pk)).json()
    assert data["state"] == "cancelled" and data["open"] is False
    assert services.active_theme(store).slug == "white"


def test_other_stores_are_invisible(staff, store, themes, catalogue, other_store, make_product):
    foreign_store, foreign_theme = other_store
    image = catalogue[0].images.get()
    assert staff.get(_url("switch"), {"theme": foreign_theme.pk}).status_code == 404
    assert staff.get(_url("preview", foreign_theme.pk, image.pk)).status_code == 404
    assert staff.post(_url("switch"), {"theme": foreign_theme.pk}).status_code == 404
    run = ThemeRun.objects.create(store=foreign_store, theme=foreign_theme, state="running")
    assert staff.get(_url("progress", run.pk)).status_code == 404
    assert staff.post(_url("cancel", run.pk)).status_code == 404
    run.refresh_from_db()
    assert run.state == "running"
    # A preview of one store's theme never shows another store's photo.
    foreign = make_product(store=foreign_store, photos=1, published=True, **SMALL)
    foreign_image = foreign.images.get()
    seed_cutout(foreign_image)
    assert staff.get(_url("preview", themes["studio"].pk, foreign_image.pk)).status_code == 404


def test_anonymous_and_unprivileged_users_are_refused(client, store, themes, django_user_model):
    resp = client.get(_url("switch"))
    assert resp.status_code == 302 and "login" in resp["Location"]
    plain = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    store.staff.add(plain)
    client.force_login(plain)
    assert client.get(_url("switch")).status_code == 403  # no permission to change themes


def test_product_theme_from_admin(
    staff, store, themes, catalogue, sync_jobs, django_capture_on_commit_callbacks
):
    product = catalogue[0]
    changelist = reverse("admin:products_product_changelist")
    resp = staff.post(
        changelist, {"action": "choose_product_theme", "_selected_action": [product.pk]}
    )
    assert resp.status_code == 302
    assert resp["Location"].startswith(_url("product", product.pk))

    page = staff.get(_url("product", product.pk))
    assert page.status_code == 200 and themes["studio"].name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resp = staff.post(
            _url("product", product.pk), {"theme": themes["studio"].pk, "next": changelist}
        )
    assert resp.status_code == 302 and resp["Location"] == changelist
    image = product.images.get()
    assert PhotoState.objects.get(image=image).theme_override == themes["studio"]
    active = Variant.objects.get(image=image, is_active=True)
    assert active.theme == themes["studio"]

    with django_capture_on_commit_callbacks(execute=True):
        resp = staff.post(
            _url("product", product.pk), {"theme": "", "next": "https://evil.example/"}
        )
    assert resp["Location"] == _url("product", product.pk)  # no open redirect
    assert PhotoState.objects.get(image=image).theme_override is None
    assert Variant.objects.get(image=image, is_active=True).theme.slug == "white"
