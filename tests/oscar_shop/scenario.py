"""What a new Oscar shop does with konigle_bg, phase by phase; each prints one JSON line.

python scenario.py setup        a staff user, a product class, a partner
python scenario.py publish      a product published through Oscar's dashboard form
python scenario.py wait         until the worker has processed its photo (or gave up)
python scenario.py storefront   the product page, and the pixels of the thumbnail it serves
python scenario.py revert       the photo reverted on the review page (then: storefront)
python scenario.py tokens       Authorization headers of every shape on the API
"""

import io
import json
import os
import re
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
import django  # noqa: E402

django.setup()
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client records each page's context (the dashboard's forms)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Partner = get_model("partner", "Partner")
BACKGROUND = (90, 120, 160)  # the photo's background: the thumbnails' corners tell it apart
TITLE = "Red rubber ball"


def say(**seen) -> None:
    print(json.dumps(seen, default=str))


def staff_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="boss"))
    return client


def photo() -> bytes:
    img = Image.new("RGB", (480, 360), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for x in range(0, 480, 24):  # some texture, as a real backdrop has
        draw.line((x, 0, x + 60, 360), fill=(80, 110, 150), width=3)
    draw.ellipse((150, 70, 330, 250), fill=(205, 30, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def form_data(form) -> dict:
    """What a browser posts for ``form`` as rendered (its initial values)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "":
            continue
        key = form.add_prefix(name)
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)
    return data


def formset_data(formset) -> dict:
    data = form_data(formset.management_form)
    for form in formset.forms:
        data.update(form_data(form))
    return data


def setup() -> None:
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    kind = ProductClass.objects.create(name="Toys", slug="toys", requires_shipping=True)
    get_model("catalogue", "Category").add_root(name="Toys")
    partner = Partner.objects.create(name="Corner shop")
    partner.users.add(user)
    say(user=user.pk, product_class=kind.slug, partner=partner.pk)


def publish() -> None:
    """Oscar's dashboard "create product" form, posted as a browser does: the product form,
    its image, its stock record and the other formsets, in one request."""
    client = staff_client()
    url = reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": "toys"})
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    ctx = page.context
    data = form_data(ctx["form"])
    data.update(title=TITLE, upc="BALL-1", is_public="on", description="A red ball.")
    for name in ("category_formset", "image_formset", "recommended_formset"):
        data.update(formset_data(ctx[name]))
    category = ctx["category_formset"].forms[0].prefix
    data[f"{category}-category"] = str(get_model("catalogue", "Category").objects.get().pk)
    stock = ctx["stockrecord_formset"]
    data.update(formset_data(stock))
    prefix = stock.forms[0].prefix
    data.update(
        {
            f"{prefix}-partner": str(Partner.objects.get().pk),
            f"{prefix}-partner_sku": "ball-1",
            f"{prefix}-price_currency": "GBP",
            f"{prefix}-price": "9.99",
            f"{prefix}-num_in_stock": "10",
        }
    )
    image_prefix = ctx["image_formset"].forms[0].prefix
    data[f"{image_prefix}-original"] = SimpleUploadedFile("ball.jpg", photo(), "image/jpeg")
    answer = client.post(url, data)
    product = Product.objects.filter(title=TITLE).first()
    image = product.images.first() if product else None
    from konigle_bg.models import PhotoState

    state = PhotoState.objects.filter(image=image).first() if image else None
    errors = []
    if answer.status_code != 302 and answer.context:
        errors = [answer.context["form"].errors]
        for name in ("category_formset", "image_formset", "recommended_formset"):
            formset = answer.context[name]
            errors += [formset.non_form_errors(), *[f.errors for f in formset.forms]]
        errors += [f.errors for f in answer.context["stockrecord_formset"].forms]
        errors = [e for e in errors if e]
    say(
        status=answer.status_code,
        errors=errors,
        product=getattr(product, "pk", None),
        image=getattr(image, "pk", None),
        original=image.original.name if image else None,
        stockrecords=product.stockrecords.count() if product else 0,
        state=getattr(state, "status", None),
        dashboard_link=dashboard_link(client, product),
    )


def dashboard_link(client, product) -> bool:
    if product is None:
        return False
    page = client.get(reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}))
    return reverse("konigle_bg:review-product", args=[product.pk]) in page.content.decode()


def wait(timeout: float = 150) -> None:
    from konigle_bg.models import PhotoState

    image = Product.objects.get(title=TITLE).images.get()
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = PhotoState.objects.filter(image=image).first()
        if state and state.status in ("done", "failed"):
            break
        time.sleep(0.5)
    say(state=getattr(state, "status", None), error=getattr(state, "error", None))


def corners(data: bytes) -> list:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    return [img.getpixel((x, y)) for x, y in ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3))]


def thumbnail_corners(client: Client, html: str) -> dict:
    """The first product thumbnail a page serves (sorl's cache under /media/cache/)."""
    thumbs = re.findall(r'<img[^>]+src="(/media/cache/[^"]+)"', html)
    if not thumbs:
        return {"thumbnail": None, "corners": []}
    served = client.get(thumbs[0])
    return {"thumbnail": thumbs[0], "corners": corners(b"".join(served.streaming_content))}


def storefront() -> None:
    """Oscar's own pages as a customer gets them (product page, catalogue, search, basket),
    and the pixels of the product thumbnail each serves."""
    product = Product.objects.get(title=TITLE)
    client = Client()
    pages = {
        "product": product.get_absolute_url(),
        "catalogue": reverse("catalogue:index"),
        "search": reverse("search:search") + "?q=ball",
    }
    seen = {}
    for name, url in pages.items():
        page = client.get(url)
        html = page.content.decode()
        seen[name] = {"status": page.status_code, **thumbnail_corners(client, html)}
    added = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    basket = client.get(reverse("basket:summary"))
    seen["basket"] = {
        "status": basket.status_code,
        "added": added.status_code,
        **thumbnail_corners(client, basket.content.decode()),
    }
    say(**seen)


def revert() -> None:
    product = Product.objects.get(title=TITLE)
    answer = staff_client().post(reverse("konigle_bg:revert-product", args=[product.pk]))
    say(status=answer.status_code)


def tokens() -> None:
    """No Authorization header shape answers 500 (this shop has no rest_framework.authtoken)."""
    client = Client()
    statuses = {}
    for header in ("Token abc", "Token", "Bearer abc", "Basic !!!", "Basic Zm9vOmJhcg==", "x y z"):
        # The recipe leaves the optional remove.bg app out: the plugin's own endpoints only.
        for path in ("/api/bg/images/", "/api/bg/jobs/", "/api/bg/themes/"):
            statuses[f"{header} {path}"] = client.get(path, HTTP_AUTHORIZATION=header).status_code
    say(statuses=statuses)


if __name__ == "__main__":
    globals()[sys.argv[1]]()
