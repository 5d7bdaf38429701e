"""Any shop's shape: a function for "product -> store" and for "is it published", checks that
say what is wrong, secure defaults for who may act, and contrib apps' layered defaults.
(Single-store mode, a shop with no store model, runs in the stock Oscar shop:
tests/oscar_shop/oscar_access.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from konigle_bg import checks, host, services
from konigle_bg.conf import bg_settings, register_defaults, registered_defaults, setting_source
from konigle_bg.models import JobStatus, PhotoState

pytestmark = pytest.mark.django_db

HERE = "tests.test_store_shapes"


def store_of(product):
    return None if product.title == "Orphan" else product.store_id  # a primary key will do


def products_of(stores):
    from products.models import Product

    return Product.objects.filter(store__in=stores)


def live(product) -> bool:
    return product.title.startswith("Live")


def shop(settings, **keys):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, **keys}


@pytest.fixture
def other_store(django_user_model):
    from products.models import Store

    rival = django_user_model.objects.create_user("rival", password="pw")
    return Store.objects.create(name="Other", slug="other", owner=rival)


@pytest.mark.parametrize("paired", [True, False])
def test_a_store_function_scopes_like_a_foreign_key(
    paired, settings, make_product, store, other_store, owner
):
    keys = {"PRODUCT_STORE_FUNCTION": f"{HERE}.store_of"}
    if paired:
        keys["STORE_PRODUCTS_FUNCTION"] = f"{HERE}.products_of"
    shop(settings, PRODUCT_STORE="no_such_field", **keys)  # not used in function mode
    ours = make_product(title="Ours").images.get()
    theirs = make_product(title="Theirs", store=other_store).images.get()

    assert host.store_mode() == host.FUNCTION
    assert host.image_store_id(ours) == store.pk and host.product_store(ours.product) == store
    assert list(host.images_for(owner)) == [ours]
    assert list(host.images_for(other_store.owner)) == [theirs]
    assert list(host.store_images(store)) == [ours]
    assert host.may_act_on(owner, ours) and not host.may_act_on(owner, theirs)
    ids = [m.id for m in checks.check_store_mode()]
    assert ids == ([] if paired else ["konigle_bg.W006"])


def test_a_product_the_function_gives_no_store_fails_with_the_reason(settings, make_product):
    shop(settings, PRODUCT_STORE_FUNCTION=f"{HERE}.store_of")
    image = make_product(title="Orphan", published=True).images.get()
    with pytest.raises(host.ProductWithoutStore):
        services.cut_out_and_show(image.pk)
    state = PhotoState.objects.get(image=image)
    assert state.status == JobStatus.FAILED
    assert "Product 'Orphan' (id" in state.error and "has no store" in state.error
    assert f"KONIGLE_BG['PRODUCT_STORE_FUNCTION'] = '{HERE}.store_of' gave None" in state.error


def test_a_published_function_decides_what_is_processed(
    settings, make_product, sync_jobs, django_capture_on_commit_callbacks
):
    shop(settings, PRODUCT_PUBLISHED_FUNCTION=f"{HERE}.live", PRODUCT_PUBLISHED="nope")
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_product(title="Draft")
        shown = make_product(title="Live ball")
        draft.save()
        shown.save()
    assert not PhotoState.objects.filter(image__product=draft).exists()
    assert PhotoState.objects.get(image__product=shown).status == JobStatus.DONE
    assert checks.check_product_accessors() == []  # PRODUCT_PUBLISHED is not used then


def messages(found) -> list[tuple[str, str]]:
    return [(m.id, m.msg) for m in found]


def test_store_path_errors_name_what_is_wrong(settings):
    shop(settings, PRODUCT_STORE="shop")
    assert messages(checks.check_store_mode()) == [
        (
            "konigle_bg.E010",
            "KONIGLE_BG['PRODUCT_STORE'] = 'shop': 'shop' is not a field of products.Product.",
        )
    ]
    shop(settings, PRODUCT_STORE="title")
    assert messages(checks.check_store_mode()) == [
        (
            "konigle_bg.E010",
            "KONIGLE_BG['PRODUCT_STORE'] = 'title': 'title' of products.Product is not a "
            "foreign key.",
        )
    ]
    shop(settings, PRODUCT_STORE="store__owner")
    (found,) = checks.check_store_mode()
    assert found.msg == (
        "KONIGLE_BG['PRODUCT_STORE'] = 'store__owner' leads from products.Product to "
        "auth.User, not to the store model products.Store (KONIGLE_BG['STORE_MODEL'])."
    )
    assert "PRODUCT_STORE_FUNCTION" in found.hint and "single-store mode" in found.hint


def test_a_function_that_does_not_import_is_an_error(settings):
    shop(settings, PRODUCT_STORE_FUNCTION="shop.nowhere.store_of")
    (found,) = checks.check_store_mode()
    assert found.id == "konigle_bg.E011"
    assert found.msg.startswith(
        "KONIGLE_BG['PRODUCT_STORE_FUNCTION'] = 'shop.nowhere.store_of' cannot be imported ("
    )


def test_accessors_that_name_nothing_on_the_product(settings):
    shop(settings, PRODUCT_PUBLISHED="is_live", PRODUCT_IMAGES="photos")
    found = checks.check_product_accessors()
    assert messages(found) == [
        (
            "konigle_bg.E012",
            "KONIGLE_BG['PRODUCT_IMAGES'] = 'photos' is neither a field nor an attribute of "
            "products.Product.",
        ),
        (
            "konigle_bg.E012",
            "KONIGLE_BG['PRODUCT_PUBLISHED'] = 'is_live' is neither a field nor an attribute "
            "of products.Product.",
        ),
    ]
    assert found[0].hint.endswith("here 'images'.")
    assert "'is_public'" in found[1].hint and "PRODUCT_PUBLISHED_FUNCTION" in found[1].hint


def test_member_lookups_are_checked_and_empty_is_an_error_unless_said(
    settings, store, owner, other_store
):
    shop(settings, STORE_MEMBER_LOOKUPS=["owner", "managers"])
    (found,) = checks.check_members()
    assert found.id == "konigle_bg.E013"
    assert found.msg.startswith(
        "KONIGLE_BG['STORE_MEMBER_LOOKUPS'] names 'managers', which is not a lookup of "
        "products.Store ("
    )
    shop(settings, STORE_MEMBER_LOOKUPS=[])
    assert messages(checks.check_members()) == [
        (
            "konigle_bg.E014",
            "KONIGLE_BG['STORE_MEMBER_LOOKUPS'] is empty: nobody but superusers may see or "
            "change a store's photos.",
        )
    ]
    customer = get_user_model().objects.create_user("customer", password="pw")
    assert not host.stores_for(customer).exists()  # secure at run time too
    assert not host.stores_for(owner).exists()
    shop(settings, STORE_MEMBER_LOOKUPS=[], ALL_USERS_MAY_ACT=True)
    assert checks.check_members() == []
    assert set(host.stores_for(customer)) == {store, other_store}


def test_single_store_mode_says_what_it_needs(settings, monkeypatch):
    shop(settings, STORE_MODEL=None)
    monkeypatch.setattr(host, "sites_installed", lambda: False)
    (found,) = checks.check_store_mode()
    assert (found.id, found.msg) == (
        "konigle_bg.E008",
        "KONIGLE_BG['STORE_MODEL'] is not set, so konigle_bg runs in single-store mode on the "
        "current site, but 'django.contrib.sites' is not in INSTALLED_APPS.",
    )
    assert "SITE_ID = 1" in found.hint and "'catalog.Shop'" in found.hint
    monkeypatch.setattr(host, "sites_installed", lambda: True)
    (found,) = checks.check_store_mode()
    assert (found.id, found.msg) == (
        "konigle_bg.E009",
        "Single-store mode (KONIGLE_BG['STORE_MODEL'] unset) needs SITE_ID: the current site "
        "is the store.",
    )


def test_contrib_defaults_sit_between_the_defaults_and_the_shop(settings):
    from konigle_bg import conf

    saved = list(conf._layers)
    try:
        register_defaults("a.contrib", {"KEEP_VARIANTS": 4, "REVIEW_THRESHOLD": 0.5})
        assert bg_settings.KEEP_VARIANTS == 4 and setting_source("KEEP_VARIANTS") == "a.contrib"
        assert registered_defaults()["REVIEW_THRESHOLD"] == 0.5
        shop(settings, KEEP_VARIANTS=9)
        assert bg_settings.KEEP_VARIANTS == 9 and setting_source("KEEP_VARIANTS") == "KONIGLE_BG"
        with pytest.raises(ValueError, match="unknown konigle_bg setting"):
            register_defaults("b.contrib", {"NOT_A_SETTING": 1})
    finally:
        conf._layers[:] = saved
        bg_settings.reload()
    assert bg_settings.KEEP_VARIANTS == 9  # the shop's own


def test_products_without_a_store_are_named_by_the_database_check(settings, make_product):
    """``check --database default`` (and migrate) count the products the settings lead to no
    store. The demo's products always have one, so konigle_bg's own rows stand in for a shop
    whose product -> store key is nullable: Variant ("product") -> Cutout ("store")."""
    from konigle_bg.models import Variant

    image = make_product().images.get()
    variant = Variant.objects.create(image=image, spec_hash="x", source_checksum="y")
    shop(
        settings,
        IMAGE_MODEL="konigle_bg.Job",
        PRODUCT_FIELD="variant",
        STORE_MODEL="konigle_bg.Cutout",
        PRODUCT_STORE="cutout",
    )
    assert checks.check_products_without_store() == []  # only with a database to look at
    (found,) = checks.check_products_without_store(databases=["default"])
    assert (found.id, found.msg) == (
        "konigle_bg.W007",
        "1 product(s) have no store (KONIGLE_BG['PRODUCT_STORE'] = 'cutout' is empty on them), "
        f"e.g. id {variant.pk}: their photos are not processed, and only superusers see them.",
    )
