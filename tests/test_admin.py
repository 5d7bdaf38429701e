"""Admin: publish action, revert action and button, upload validation, store scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse

from konigle_bg import services
from konigle_bg.models import Variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_owner(client, owner):
    owner.is_superuser = False
    owner.is_staff = True
    owner.save()
    from django.contrib.auth.models import Permission

    owner.user_permissions.set(Permission.objects.filter(content_type__app_label="products"))
    client.force_login(owner)
    return client


def test_publish_action_processes(
    admin_client_owner, make_product, sync_jobs, django_capture_on_commit_callbacks
):
    product = make_product(photos=1)
    url = reverse("admin:products_product_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client_owner.post(
            url, {"action": "publish", "_selected_action": [product.pk]}, follow=True
        )
    assert resp.status_code == 200
    product.refresh_from_db()
    assert product.is_published
    image = product.images.get()
    assert Variant.objects.filter(image=image, is_active=True).exists()
    page = admin_client_owner.get(reverse("admin:products_product_change", args=[product.pk]))
    assert services.display_url(image) in page.content.decode()


def test_revert_action_and_button(admin_client_owner, make_product):
    product = make_product(published=True, photos=2)
    images = list(product.images.all())
    for img in images:
        services.cut_out_and_show(img.pk)
    url = reverse("admin:products_product_changelist")
    admin_client_owner.post(url, {"action": "revert_backgrounds", "_selected_action": [product.pk]})
    assert not Variant.objects.filter(image__in=images, is_active=True).exists()

    for img in images:
        services.activate(Variant.objects.filter(image=img).first())
    button = reverse("admin:products_product_revert_photos", args=[product.pk])
    assert admin_client_owner.get(button).status_code == 403  # state changes need POST
    resp = admin_client_owner.post(f"{button}?image={images[0].pk}")
    assert resp.status_code == 302
    assert services.display_url(images[0]) == images[0].image.url
    assert services.display_url(images[1]) != images[1].image.url
    admin_client_owner.post(button)
    assert services.display_url(images[1]) == images[1].image.url


def test_change_page_has_revert_button(admin_client_owner, make_product):
    product = make_product(published=True)
    services.cut_out_and_show(product.images.get().pk)
    page = admin_client_owner.get(reverse("admin:products_product_change", args=[product.pk]))
    html = page.content.decode()
    assert 'id="bg-revert-product"' in html and "Revert photo" in html


def test_other_store_product_is_hidden(admin_client_owner, make_product, django_user_model):
    from products.models import Store

    other = django_user_model.objects.create_user("other")
    foreign_store = Store.objects.create(name="Other", slug="other", owner=other)
    foreign = make_product(store=foreign_store, published=True)
    assert (
        admin_client_owner.get(
            reverse("admin:products_product_change", args=[foreign.pk])
        ).status_code
        == 302  # admin redirects a missing object to the index with a message
    )
    resp = admin_client_owner.post(
        reverse("admin:products_product_revert_photos", args=[foreign.pk])
    )
    assert resp.status_code == 404  # not 403: never say it exists


def test_upload_of_non_image_is_refused_with_form_error(admin_client_owner, store):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from products.models import Product

    data = {
        "store": store.pk,
        "title": "Fake",
        "description": "",
        "status": "draft",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-image": SimpleUploadedFile("x.jpg", b"<html>hi</html>", "image/jpeg"),
        "images-0-position": "0",
    }
    resp = admin_client_owner.post(reverse("admin:products_product_add"), data)
    assert resp.status_code == 200  # the form is shown again, with the error
    assert not Product.objects.filter(title="Fake").exists()
    errors = str(resp.context["inline_admin_formsets"][0].formset.errors)
    assert "image" in errors.lower()


def test_process_again_action_goes_through_services_with_job_rows(
    admin_client_owner, make_product, sync_jobs, django_capture_on_commit_callbacks
):
    """The admin's "process again" is the services' reprocess_product, as the API's: one Job
    per photo (so the outcome can be followed), the revert undone, the result shown."""
    from konigle_bg.models import Job, JobStatus, PhotoState

    product = make_product(published=True, photos=2)
    images = list(product.images.all())
    services.revert_product(product)
    url = reverse("admin:products_product_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client_owner.post(
            url, {"action": "process_backgrounds", "_selected_action": [product.pk]}, follow=True
        )
    assert "2 photo(s) queued" in resp.content.decode()
    jobs = Job.objects.filter(image__in=images)
    assert jobs.count() == 2
    assert {j.kind for j in jobs} == {Job.Kind.REPROCESS}
    assert {j.status for j in jobs} == {JobStatus.DONE}
    assert {j.requested_by_id for j in jobs} == {product.store.owner_id}
    assert not PhotoState.objects.filter(image__in=images, reverted=True).exists()
    for img in images:
        assert services.display_url(img) != img.image.url
