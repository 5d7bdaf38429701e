"""Oscar's dashboard and admin with konigle_bg: the save never breaks, even with no broker."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.oscar_shop.conftest import ball_photo

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "":
            continue
        key = form.add_prefix(name)
        data[key] = "on" if value is True else value
    return data


def dashboard_post(client, partner) -> object:
    """Oscar's "create product" form as a browser posts it: two photos, one stock record."""
    from oscar.core.loading import get_model

    get_model("catalogue", "ProductClass").objects.create(name="Toys", slug="toys")
    category = get_model("catalogue", "Category").add_root(name="Toys")
    url = reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": "toys"})
    ctx = client.get(url).context
    data = {**form_data(ctx["form"]), "title": "Red ball", "upc": "B1", "is_public": "on"}
    for name in ("category_formset", "image_formset", "recommended_formset"):
        formset = ctx[name]
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    stock = ctx["stockrecord_formset"]
    data.update(form_data(stock.management_form))
    prefix = stock.forms[0].prefix
    data.update({f"{prefix}-partner": partner.pk, f"{prefix}-partner_sku": "b1"})
    data.update({f"{prefix}-price": "5", f"{prefix}-price_currency": "GBP"})
    data[f"{prefix}-num_in_stock"] = "3"
    data[f"{ctx['category_formset'].forms[0].prefix}-category"] = category.pk
    for i, form in enumerate(ctx["image_formset"].forms[:2]):
        data[f"{form.prefix}-original"] = SimpleUploadedFile(
            f"b{i}.jpg", ball_photo(i), "image/jpeg"
        )
    return client.post(url, data)


@pytest.fixture
def no_redis(monkeypatch):
    """The issue's shop: django-q2 on its default broker (Redis), the redis package absent."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "django_q.brokers.redis_broker", raising=False)


def test_dashboard_save_with_no_broker_completes_and_the_photos_wait(
    no_redis, boss, partner, client, caplog, django_capture_on_commit_callbacks, monkeypatch
):
    from django_q.models import OrmQ
    from oscar.core.loading import get_model

    from konigle_bg import queue
    from konigle_bg.models import JobStatus, PhotoState

    client.force_login(boss)
    with caplog.at_level(logging.DEBUG, logger="konigle_bg"):
        with django_capture_on_commit_callbacks(execute=True):
            answer = dashboard_post(client, partner)
    assert answer.status_code == 302, answer.context and [
        answer.context[n].errors for n in ("form", "image_formset", "stockrecord_formset")
    ]  # the whole save went through: product, photos, stock
    product = get_model("catalogue", "Product").objects.get(title="Red ball")
    assert product.images.count() == 2 and product.stockrecords.count() == 1
    states = PhotoState.objects.filter(image__product=product)
    assert [s.status for s in states] == [JobStatus.PENDING] * 2
    assert queue.waiting().count() == 2  # recorded, one per photo
    logged = [r for r in caplog.records if "task queue is unreachable" in r.getMessage()]
    assert len(logged) == 1 and "ModuleNotFoundError" in logged[0].getMessage()

    monkeypatch.undo()  # the broker is back (the ORM one)
    call_command("bg_retry")
    assert queue.waiting().count() == 0
    tasks = [q.task for q in OrmQ.objects.all()]
    assert sorted(t["args"][0] for t in tasks) == sorted(i.pk for i in product.images.all())
    from django.utils.module_loading import import_string

    with django_capture_on_commit_callbacks(execute=True):
        for task in tasks:  # what the worker does with them
            import_string(task["func"])(*task["args"], **task["kwargs"])
    assert {s.status for s in PhotoState.objects.filter(image__product=product)} == {"done"}


def test_dashboard_product_page_links_to_the_review_page(sync, make_product, boss, client):
    product = make_product()
    client.force_login(boss)
    page = client.get(reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}))
    html = page.content.decode()
    review = reverse("konigle_bg:review-product", args=[product.pk])
    assert page.status_code == 200 and review in html and "Photo backgrounds" in html
    assert client.get(review).status_code == 200


def test_the_admins_product_page_gains_the_strip_and_actions(sync, make_product, boss, client):
    product = make_product()
    client.force_login(boss)
    change = client.get(reverse("admin:catalogue_product_change", args=[product.pk]))
    assert change.status_code == 200 and "Shown on the store" in change.content.decode()
    listing = client.get(reverse("admin:catalogue_product_changelist")).content.decode()
    assert 'value="revert_backgrounds"' in listing and 'value="process_backgrounds"' in listing
