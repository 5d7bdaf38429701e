"""Browser tests: the demo site as real processes (runserver + a django-q2 cluster on a file
database) driven by headless Debian Chromium through Playwright. Nothing is downloaded.

One site per module (migrating and starting processes costs seconds); each test opens its
own browser context, logs in through the admin's login form and saves a screenshot under its
own ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.procs import ROOT, cluster, manage, shell, site_env, stop, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Site:
    url: str
    env: dict
    root: Path
    ids: dict = field(default_factory=dict)
    username: str = "seller"
    password: str = "pw-seller"

    def shell(self, code: str) -> str:
        """Run ``code`` in ``manage.py shell`` on the site's database; its last line back."""
        return shell(self.env, code, timeout=120).strip().splitlines()[-1]

    def json(self, code: str):
        return json.loads(self.shell(code))

    def media_path(self, url: str) -> Path:
        """The file behind a /media/ URL (to look at its pixels)."""
        rel = url.split("/media/", 1)[1]
        return self.root / "media" / urllib.request.url2pathname(rel)


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def web_server(env: dict, log: Path) -> Iterator[str]:
    """``manage.py runserver`` (no autoreload) on a free port; always stopped."""
    port = free_port()
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"runserver exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/admin/login/", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    try:
        wait_for(up, timeout=60, interval=0.3, what="runserver")
        yield url
    finally:
        stop(proc)


SETUP = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
from konigle_bg.models import BackgroundTheme
from konigle_bg.imaging.compose import PRESETS
from tests.conftest import photo_bytes
from tests.browser.photos import two_subjects

u = get_user_model().objects.create_user("seller", password="pw-seller", is_staff=True)
u.user_permissions.set(
    Permission.objects.filter(content_type__app_label__in=["products", "konigle_bg"])
)
s = Store.objects.create(name="Corner Shop", slug="corner", owner=u)
BackgroundTheme.objects.create(store=s, name="Winter snow", slug="winter-snow",
                               preset="winter-snow", spec=PRESETS["winter-snow"].to_dict())
BackgroundTheme.objects.create(store=s, name="Soft grey", slug="soft-grey",
                               preset="soft-grey", spec=PRESETS["soft-grey"].to_dict())

def product(title, data, publish):
    p = Product.objects.create(store=s, title=title)
    img = ProductImage(product=p, position=0)
    img.image.save("photo.jpg", ContentFile(data), save=True)
    if publish:
        p.publish()
    return p, img

ball, ball_img = product("Red Rubber Ball", photo_bytes(seed=1), publish=False)
pair, pair_img = product("Blue Gift Box", two_subjects(), publish=True)
mug, mug_img = product("Green Ceramic Mug", photo_bytes(seed=2, colour=(40, 160, 60)), publish=True)
print(json.dumps({"store": s.pk, "ball": ball.pk, "ball_img": ball_img.pk, "pair": pair.pk,
                  "pair_img": pair_img.pk, "mug": mug.pk, "mug_img": mug_img.pk}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    env = site_env(root, DJANGO_DEBUG="1", PYTHONPATH=str(ROOT))
    manage(env, "migrate", "--noinput", "-v0")
    ids = json.loads(shell(env, SETUP).strip().splitlines()[-1])
    with web_server(env, root / "web.log") as url, cluster(env, root / "worker.log"):
        yield Site(url=url, env=env, root=root, ids=ids)


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, site: Site, tmp_path: Path):
    """A logged-in page (through the admin login form); a screenshot is left on failure too."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/admin/login/?next=/admin/")
    page.fill("#id_username", site.username)
    page.fill("#id_password", site.password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    page.js_errors = errors
    try:
        yield page
    finally:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
