"""VariantAdmin: "show this variant" only for holders of Django's change permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from konigle_bg import services
from konigle_bg.models import Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_variants(make_product, store):
    product = make_product(published=True)
    image = product.images.get()
    first = services.cut_out_and_show(image.pk).variant
    other = services.preset_theme(store, "transparent")
    cut = first.cutout
    second = services.ensure_variant(image, cut, other)
    assert first.is_active and not second.is_active
    return first, second


def _staff(owner, *codenames):
    owner.is_superuser, owner.is_staff = False, True
    owner.save()
    owner.user_permissions.set(
        Permission.objects.filter(content_type__app_label="konigle_bg", codename__in=codenames)
    )


def _activate(client, variant):
    url = reverse("admin:konigle_bg_variant_changelist")
    return client.post(url, {"action": "make_active", "_selected_action": [variant.pk]})


def test_view_permission_alone_cannot_activate(client, owner, two_variants):
    first, second = two_variants
    _staff(owner, "view_variant")
    client.force_login(owner)
    page = client.get(reverse("admin:konigle_bg_variant_changelist"))
    assert page.status_code == 200
    assert 'value="make_active"' not in page.content.decode()
    _activate(client, second)
    assert Variant.objects.get(is_active=True, image_id=first.image_id) == first


def test_change_permission_activates_but_the_form_stays_read_only(client, owner, two_variants):
    first, second = two_variants
    _staff(owner, "view_variant", "change_variant")
    client.force_login(owner)
    assert _activate(client, second).status_code == 302
    assert Variant.objects.get(is_active=True, image_id=first.image_id) == second
    change = reverse("admin:konigle_bg_variant_change", args=[second.pk])
    # A POST to the form changes nothing: every field is read-only.
    client.post(change, {"status": "failed", "error": "x"})
    second.refresh_from_db()
    assert second.status == "done" and second.error == ""
