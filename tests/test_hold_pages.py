"""Held results on the seller's side: the review grid lists them first with one-click accept,
the product page shows the held result beside what the store shows, the API's accept action
(error shape, schema) and image fields read off the same PhotoStatus, and the admin's accept
action and button."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from konigle_bg import services
from konigle_bg.models import PhotoState, Variant, in_review_order, needs_review_q
from products.models import ProductImage, Store
from tests.test_hold import SMALL, doubtful
from tests.theme_fixtures import seed_cutout

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def shop(make_product):
    """Three processed photos: a confident one (shown), a very doubtful one that was shown
    before holds (0.05, so it would lead a least-confident-first order) and a held one."""
    confident, old_doubt, waiting = (
        make_product(title=t, published=True, **SMALL).images.get()
        for t in ("Confident Mug", "Old Doubt", "Waiting Box")
    )
    seed_cutout(confident)
    services.cut_out_and_show(confident.pk)
    doubtful(old_doubt, 0.05)
    services.activate(services.process_again(old_doubt.pk).variant)  # the seller chose it
    doubtful(waiting, 0.3)
    assert services.cut_out_and_show(waiting.pk).status == "held"
    return {"confident": confident, "old_doubt": old_doubt, "waiting": waiting}


def card_ids(html: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'id="card-(\d+)"', html)]


# ------------------------------------------------------------------------- review pages


def test_grid_lists_held_first_and_accepts_in_one_click(owner_client, store, shop):
    waiting = shop["waiting"]
    url = reverse("konigle_bg:review-store", args=[store.pk])
    page = owner_client.get(url)
    html = page.content.decode()
    assert card_ids(html)[0] == waiting.pk  # before the 5% one: it waits for the seller
    assert 'id="held-summary"' in html and "1 result waits for you" in html
    pending = PhotoState.objects.get(image=waiting).held_variant
    card = html[html.index(f'id="card-{waiting.pk}"') :].split("</article>")[0]
    assert pending.file.url in card and "30%" in card  # the held result and its confidence
    accept = reverse("konigle_bg:accept", args=[waiting.pk])
    assert f'action="{accept}"' in card and "#photo-" in card  # accept, and a link to fix
    assert card.count("bg-accept") == 1
    assert html.count("bg-accept") == 1  # only held photos have the button

    resp = owner_client.post(accept, {"next": url})
    assert resp.status_code == 302 and resp["Location"] == f"{url}#card-{waiting.pk}"
    assert services.display_url(waiting) == pending.file.url
    after = owner_client.get(url).content.decode()
    assert "held-summary" not in after and "bg-accept" not in after
    # Accepting again: a message, not an error page.
    again = owner_client.post(accept, follow=True)
    assert again.status_code == 200 and "no result waiting" in again.content.decode()


def test_accept_goes_back_only_to_this_site(owner_client, shop):
    waiting = shop["waiting"]
    resp = owner_client.post(
        reverse("konigle_bg:accept", args=[waiting.pk]), {"next": "https://evil.example/"}
    )
    product = reverse("konigle_bg:review-product", args=[waiting.product_id])
    assert resp["Location"] == f"{product}#photo-{waiting.pk}"


def test_product_page_shows_the_held_result_beside_what_the_store_shows(owner_client, shop):
    waiting = shop["waiting"]
    pending = PhotoState.objects.get(image=waiting).held_variant
    html = owner_client.get(reverse("konigle_bg:review-product", args=[waiting.product_id]))
    html = html.content.decode()
    assert f'id="held-{waiting.pk}"' in html
    assert 'class="bg-shown"' in html and f'src="{waiting.image.url}" alt="shown"' in html
    assert f'src="{pending.file.url}" alt="held result"' in html
    assert "made by u2netp" in html and "Held for you" in html
    assert reverse("konigle_bg:accept", args=[waiting.pk]) in html
    # Nothing is shown but the original, yet the seller may keep it for good (drops the hold).
    revert = html[html.index(reverse("konigle_bg:revert", args=[waiting.pk])) :]
    assert "disabled" not in revert[: revert.index("</button>")]


def test_status_json_says_held(owner_client, shop):
    waiting = shop["waiting"]
    data = owner_client.get(reverse("konigle_bg:image-status", args=[waiting.pk])).json()
    pending = PhotoState.objects.get(image=waiting).held_variant
    assert data["held"] and data["needs_review"] and data["status_label"] == "Held for review"
    assert data["pending_url"] == pending.file.url and data["pending_variant"] == pending.pk
    assert data["display_url"] == waiting.image.url and data["variant"] is None


def test_the_needs_review_rule_and_query_agree_on_held_photos(shop, settings):
    # A threshold under every score: only the held one needs review, by rule and by query.
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REVIEW_THRESHOLD": 0.01}
    images = ProductImage.objects.all()
    by_query = set(images.filter(needs_review_q()).values_list("pk", flat=True))
    by_rule = {p.image.pk for p in services.photo_statuses(images) if p.needs_review}
    assert by_query == by_rule == {shop["waiting"].pk}
    order = list(in_review_order(images).values_list("pk", flat=True))
    assert order == [shop["waiting"].pk, shop["old_doubt"].pk, shop["confident"].pk]


def test_another_store_cannot_accept(client, django_user_model, shop):
    stranger = django_user_model.objects.create_user("stranger", password="pw", is_staff=True)
    Store.objects.create(name="Other", slug="other", owner=stranger)
    client.force_login(stranger)
    waiting = shop["waiting"]
    assert client.post(reverse("konigle_bg:accept", args=[waiting.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    resp = api.post(reverse("konigle_bg_api:image-accept", args=[waiting.pk]))
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert PhotoState.objects.get(image=waiting).held_variant is not None


# ------------------------------------------------------------------------- API


def test_api_accept_and_its_conflict(api, shop):
    waiting = shop["waiting"]
    url = reverse("konigle_bg_api:image-accept", args=[waiting.pk])
    detail = api.get(reverse("konigle_bg_api:image-detail", args=[waiting.pk])).json()
    assert detail["held"] and detail["pending_variant"] and detail["active_variant"] is None
    assert detail["display_url"].endswith(waiting.image.url)
    assert detail["pending_url"].startswith("http://") and detail["made_by"] == "u2netp"

    resp = api.post(url)
    assert resp.status_code == 200
    data = resp.json()
    assert not data["held"] and data["active_variant"] == detail["pending_variant"]
    assert data["pending_url"] is None and data["status_label"] == "Done"
    assert data["display_url"].endswith(Variant.objects.get(is_active=True, image=waiting).file.url)

    again = api.post(url)
    assert again.status_code == 409
    assert again.json() == {
        "detail": "This photo has no result waiting to be accepted.",
        "code": "nothing_held",
    }


def test_api_lists_held_first_and_the_same_status_as_the_pages(api, owner_client, shop):
    rows = api.get(reverse("konigle_bg_api:image-list")).json()["results"]
    assert [r["id"] for r in rows][0] == shop["waiting"].pk
    for row in rows:
        page = owner_client.get(reverse("konigle_bg:image-status", args=[row["id"]])).json()
        for key in ("status", "status_label", "needs_review", "held", "reverted", "made_by"):
            assert row[key] == page[key], key
        assert row["confidence"] == page["confidence"]
        assert row["display_url"].endswith(page["display_url"])


def test_api_image_list_queries_do_not_grow_with_held_photos(
    api, make_product, django_assert_max_num_queries
):
    for i in range(6):
        image = make_product(title=f"Box {i}", published=True, **SMALL).images.get()
        doubtful(image)
        services.cut_out_and_show(image.pk)
    with django_assert_max_num_queries(8):
        rows = api.get(reverse("konigle_bg_api:image-list")).json()["results"]
    assert len(rows) == 6 and all(r["held"] and r["pending_url"] for r in rows)


def test_schema_documents_accept_and_its_409(api):
    schema = api.get("/api/schema/?format=json").json()
    op = schema["paths"]["/api/bg/images/{id}/accept/"]["post"]
    assert {"200", "404", "409"} <= set(op["responses"])
    image = schema["components"]["schemas"]["Image"]["properties"]
    assert {"held", "pending_url", "pending_variant", "status_label", "made_by"} <= set(image)
    job = schema["components"]["schemas"]["Job"]["properties"]
    assert "outcome" in job


# ------------------------------------------------------------------------- admin


@pytest.fixture
def admin_client_owner(client, owner):
    from django.contrib.auth.models import Permission

    owner.user_permissions.set(Permission.objects.filter(content_type__app_label="products"))
    client.force_login(owner)
    return client


def test_admin_accept_button_and_action(admin_client_owner, make_product, shop):
    waiting = shop["waiting"]
    change = reverse("admin:products_product_change", args=[waiting.product_id])
    html = admin_client_owner.get(change).content.decode()
    button = reverse("admin:products_product_accept_photos", args=[waiting.product_id])
    assert f"{button}?image={waiting.pk}" in html and "Held for review (30%)" in html
    assert admin_client_owner.get(button).status_code == 403  # state changes need POST
    resp = admin_client_owner.post(f"{button}?image={waiting.pk}")
    assert resp.status_code == 302 and PhotoState.objects.get(image=waiting).held_variant is None
    assert services.display_url(waiting) != waiting.image.url

    other = make_product(title="Other Box", published=True, photos=2, **SMALL)
    for image in other.images.all():
        doubtful(image)
        services.cut_out_and_show(image.pk)
    changelist = reverse("admin:products_product_changelist")
    page = admin_client_owner.post(
        changelist,
        {"action": "accept_held_backgrounds", "_selected_action": [other.pk]},
        follow=True,
    )
    assert "2 held results accepted" in page.content.decode()
    assert all(services.display_url(i) != i.image.url for i in other.images.all())
