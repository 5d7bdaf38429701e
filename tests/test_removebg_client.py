"""A third-party remove.bg client from PyPI (``removebg``, pinned in the dev extra) against the
demo site run as a real process (``manage.py runserver``), with a key made by
``manage.py bg_api_keys create``: only the client's endpoint constant is pointed at the local
server, as a user would point it at a self-hosted one.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import requests
from PIL import Image
from removebg import removebg as removebg_client

from tests.browser.conftest import web_server
from tests.conftest import photo_bytes
from tests.procs import manage, shell, site_env

pytestmark = pytest.mark.slow

W, H = 800, 600


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("removebg-site")
    env = site_env(root, DJANGO_DEBUG="1")
    manage(env, "migrate", "--noinput", "-v0")
    shell(
        env,
        "from django.contrib.auth import get_user_model; from products.models import Store; "
        "u = get_user_model().objects.create_user('seller', password='pw'); "
        "Store.objects.create(name='Corner', slug='corner', owner=u)",
    )
    key = manage(env, "bg_api_keys", "create", "--store", "corner", "--name", "client test")
    with web_server(env, root / "web.log") as url:
        yield url, key.strip(), env


@pytest.fixture
def client_for(demo_site, monkeypatch, tmp_path):
    url, key, _ = demo_site
    monkeypatch.setattr(removebg_client, "API_ENDPOINT", f"{url}/v1.0/removebg")

    def make(api_key: str = key) -> removebg_client.RemoveBg:
        return removebg_client.RemoveBg(api_key, str(tmp_path / "removebg-errors.log"))

    return make


def _alpha(img: Image.Image) -> np.ndarray:
    return np.asarray(img.getchannel("A"))


def test_client_removes_background_from_a_file(client_for, tmp_path):
    photo = tmp_path / "ball.jpg"
    photo.write_bytes(photo_bytes(size=(W, H), seed=41))
    client_for().remove_background_from_img_file(str(photo))  # size="regular" (a preview)
    out = Image.open(f"{photo}_no_bg.png")
    assert out.format == "PNG" and out.mode == "RGBA"
    assert out.width * out.height <= 250_000 and abs(out.width / out.height - W / H) < 0.01
    a = _alpha(out)
    assert a[:10, :10].max() == 0 and a[out.height // 2, out.width // 2] == 255


def test_client_base64_with_background_colour(client_for, tmp_path):
    b64 = base64.b64encode(photo_bytes(size=(W, H), seed=41)).decode()
    target = tmp_path / "blue.png"
    client_for().remove_background_from_base64_img(
        b64, size="full", new_file_name=str(target), bg_color="0000ff"
    )
    out = Image.open(target)
    assert out.size == (W, H) and out.format == "JPEG"  # opaque: format auto gives JPEG
    corner = np.asarray(out.convert("RGB"))[:10, :10].reshape(-1, 3).mean(axis=0)
    assert corner[2] > 240 and corner[:2].max() < 15


def test_client_sees_auth_failure_as_403(client_for, tmp_path):
    photo = tmp_path / "x.jpg"
    photo.write_bytes(photo_bytes(size=(200, 150)))
    with pytest.raises(requests.HTTPError) as exc:
        client_for("kbg_not-a-key").remove_background_from_img_file(str(photo))
    assert exc.value.response.status_code == 403
    assert exc.value.response.json()["errors"][0]["code"] == "auth_failed"


def test_usage_of_the_calls_is_on_the_key(demo_site, client_for, tmp_path):
    url, key, env = demo_site
    photo = tmp_path / "y.jpg"
    photo.write_bytes(photo_bytes(size=(300, 200), seed=42))
    client_for().remove_background_from_img_file(str(photo))
    account = requests.get(f"{url}/v1.0/account", headers={"X-Api-Key": key}, timeout=30).json()
    assert account["data"]["attributes"]["usage"]["calls"] >= 1
    rows = json.loads(
        shell(
            env,
            "import json; from konigle_bg.removebg.models import ApiUsage; "
            "print(json.dumps(list(ApiUsage.objects.values_list('status', 'key__name'))))",
        )
        .strip()
        .splitlines()[-1]
    )
    assert [200, "client test"] in rows
