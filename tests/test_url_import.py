"""URL import through its two doors: ``manage.py bg_import_urls`` and the API endpoint.

A local server on 127.0.0.1 (reachable only because the test allow-list names it) plays every
hostile or broken source; the pure module's own tests (test_urlfetch) cover the mechanics,
these prove each refusal reaches the seller as a clear message, never a traceback or a row.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from products.models import ProductImage
from tests.badfiles import RED, raw_png, save
from tests.test_urlfetch import _only_loopback, _redirect, _reply, server  # noqa: F401

pytestmark = pytest.mark.django_db

PNG = save(Image.new("RGB", (40, 30), RED), "PNG")
LIMITS = {"MAX_UPLOAD_BYTES": 200_000, "MAX_PIXELS": 1_000_000, "URL_IMPORT_TIMEOUT": 1.5}


def _drip(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "image/png")
    h.send_header("Content-Length", str(len(PNG)))
    h.end_headers()
    for b in PNG:
        try:
            h.wfile.write(bytes([b]))
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


@pytest.fixture
def site(server, settings, media):  # noqa: F811 - the imported fixture
    """The local server's routes, and settings that allow it (and nothing else private)."""
    big = save(Image.effect_noise((400, 400), 80).convert("RGB"), "PNG")
    assert len(big) > LIMITS["MAX_UPLOAD_BYTES"]
    server.routes.update(
        {
            "/ok.png": _reply(200, PNG),
            "/page.html": _reply(200, b"<html><body>hello</body></html>", "text/html"),
            "/fake.jpg": _reply(200, b"<!DOCTYPE html><html>not found</html>", "image/jpeg"),
            "/big.png": _reply(200, big),
            "/bomb.png": _reply(200, raw_png(30000, 30000, 8, 2, b"\0" * 64)),
            "/many-pixels.png": _reply(200, save(Image.new("RGB", (1200, 1000), RED), "PNG")),
            "/slow.png": _drip,
            "/gone.png": _reply(404, b"nope", "text/plain"),
            "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-ipv6-loopback": _redirect(f"http://[::1]:{server.port}/ok.png"),
            "/to-private": _redirect("http://10.0.0.7/ok.png"),
            "/loop": _redirect("/loop"),
            "/to-ok": _redirect("/ok.png"),
        }
    )
    settings.KONIGLE_BG = {
        **settings.KONIGLE_BG,
        **LIMITS,
        "URL_IMPORT_ALLOW_HOSTS": ["127.0.0.1"],
    }
    return server


def refusals(port: int) -> dict[str, str]:
    """URL -> the refusal code the seller's message comes from."""
    local = f"http://127.0.0.1:{port}"
    return {
        f"{local}/page.html": "content_type",
        f"{local}/fake.jpg": "bad_image",
        f"{local}/big.png": "too_large",
        f"{local}/bomb.png": "bad_image",
        f"{local}/many-pixels.png": "bad_image",  # our MAX_PIXELS setting, not urlfetch's
        f"{local}/slow.png": "timeout",
        f"{local}/gone.png": "http_status",
        f"{local}/to-metadata": "private_address",
        f"{local}/to-ipv6-loopback": "private_address",
        f"{local}/to-private": "private_address",
        f"{local}/loop": "too_many_redirects",
        "ftp://127.0.0.1/photo.png": "scheme",
        "file:///etc/passwd": "scheme",
        "javascript:alert(1)": "scheme",
        "http://10.1.2.3/photo.jpg": "private_address",
        "http://192.168.1.1/photo.jpg": "private_address",
        "http://169.254.169.254/latest/meta-data/": "private_address",
        "http://0.0.0.0/photo.jpg": "private_address",
        "http://224.0.0.1/photo.jpg": "private_address",
        "http://240.0.0.1/photo.jpg": "private_address",
        "http://[::1]/photo.jpg": "private_address",
        "http://[fe80::1]/photo.jpg": "private_address",
        "http://[fc00::1]/photo.jpg": "private_address",
        "http://[ff02::1]/photo.jpg": "private_address",
        "http://[::ffff:10.0.0.1]/photo.jpg": "private_address",
        "http://user:pw@127.0.0.1/photo.jpg": "bad_url",
        "not a url": "scheme",
    }


def test_service_refusal_codes(site, make_product):
    from konigle_bg.services import import_photo_from_url
    from konigle_bg.urlfetch import FetchRefused

    product = make_product(photos=0)
    got = {}
    for url in refusals(site.port):
        with pytest.raises(FetchRefused) as exc:
            import_photo_from_url(product, url)
        got[url] = exc.value.code
    assert got == refusals(site.port)
    assert not product.images.exists()


def _import(path, *args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("bg_import_urls", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_command_imports_good_rows_and_names_each_failure(site, make_product, tmp_path):
    product = make_product(title="Red Kettle")
    other = make_product(title="Blue Mug", photos=0)
    bad = refusals(site.port)
    lines = ["product,url", f"{product.pk},{site.url('/ok.png')}"]
    lines += [f"Blue Mug, {site.url('/to-ok')}"]
    lines += [f"{product.pk},{url}" for url in bad]
    lines += [f"No Such Product,{site.url('/ok.png')}", "just-one-field"]
    csv_file = tmp_path / "photos.csv"
    csv_file.write_text("\n".join(lines) + "\n")
    before = ProductImage.objects.count()

    code, out, err = _import(csv_file)

    assert code == 2
    assert "2 photo(s) imported" in out and f"{len(bad) + 2} failed" in out
    failures = err.strip().splitlines()
    assert len(failures) == len(bad) + 2
    assert all(line.startswith("bg_import_urls: line ") for line in failures)
    assert "Traceback" not in err
    for url in bad:
        assert sum(url in line for line in failures) == 1, url
    assert any("no product 'No Such Product'" in line for line in failures)
    assert ProductImage.objects.count() == before + 2
    imported = ProductImage.objects.get(product=other)
    assert imported.image.read() == PNG


def test_command_exit_0_on_success_and_2_on_unreadable_file(site, make_product, tmp_path):
    product = make_product(photos=0)
    ok = tmp_path / "ok.txt"
    ok.write_text(f"# comment\n{product.pk} {site.url('/ok.png')}\n")
    code, out, err = _import(ok)
    assert (code, err) == (0, "") and "1 photo(s) imported, 0 failed" in out
    from django.core.management import CommandError

    with pytest.raises(CommandError) as exc:
        _import(tmp_path / "missing.csv")
    assert exc.value.returncode == 2


def test_allow_list_is_the_only_way_to_a_private_address(site, make_product, settings, tmp_path):
    product = make_product(photos=0)
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "URL_IMPORT_ALLOW_HOSTS": []}
    f = tmp_path / "one.csv"
    f.write_text(f"{product.pk},{site.url('/ok.png')}\n")
    code, _, err = _import(f)
    assert code == 2 and "private network" in err
    assert not site.seen, "a refused address was contacted"
    assert not product.images.exists()


def _endpoint(product) -> str:
    return f"/api/bg/products/{product.pk}/photos-from-url/"


def test_endpoint_201_for_a_photo(site, make_product, api):
    product = make_product(photos=0)
    resp = api.post(_endpoint(product), {"url": site.url("/to-ok")}, format="json")
    assert resp.status_code == 201, resp.content
    image = product.images.get()
    assert resp.json()["id"] == image.pk
    assert image.image.read() == PNG


def test_endpoint_400_on_the_url_field_for_every_refusal(site, make_product, api):
    product = make_product(photos=0)
    for url in refusals(site.port):
        resp = api.post(_endpoint(product), {"url": url}, format="json")
        assert resp.status_code == 400, (url, resp.status_code, resp.content)
        body = resp.json()
        # The API's error shape: the field's messages, the first one as detail, and its code.
        assert sorted(body) == ["code", "detail", "url"], body
        message = body["url"][0]
        assert body["detail"] == message and body["code"] not in ("", "invalid"), body
        assert message.endswith(".") and "Traceback" not in message, (url, message)
    assert not product.images.exists()
    resp = api.post(_endpoint(product), {}, format="json")
    assert resp.status_code == 400 and "url" in resp.json()


def test_endpoint_other_store_is_404(site, make_product, django_user_model):
    from products.models import Store

    product = make_product(photos=0)
    stranger = django_user_model.objects.create_user("stranger")
    Store.objects.create(name="Theirs", slug="theirs", owner=stranger)
    client = APIClient()
    client.force_authenticate(stranger)
    resp = client.post(_endpoint(product), {"url": site.url("/ok.png")}, format="json")
    assert resp.status_code == 404
    assert not site.seen and not product.images.exists()
