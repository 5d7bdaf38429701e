"""The recipe, on a stock django-oscar 4.2 shop from the package index, as a new user runs it.

konigle_bg's wheel is built from a clean copy of the checkout and installed on its own (as in
tests/test_install.py); the Oscar project (tests/oscar_shop: Oscar's documented settings and
nothing of konigle_bg but the recipe, no Q_CLUSTER) is copied to a temporary folder. A staff
user publishes a product through Oscar's own dashboard form, a real ``qcluster`` processes its
photo, and the thumbnails Oscar's pages serve are read pixel by pixel: the processed photo
(white theme) on the product page, search results and basket; after a revert, the original.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.test_install import installed, wheel  # noqa: F401 - the module-scoped fixtures

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SHOP = Path(__file__).resolve().parent / "oscar_shop"
BACKGROUND = (90, 120, 160)  # scenario.py's backdrop


def shop_env(shop: Path, site: Path) -> dict:
    path = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": path,
        "PYTHONWARNINGS": "ignore::UserWarning",
        "OMP_NUM_THREADS": "1",
        "SHOP_DB": str(shop / "db.sqlite3"),
        "SHOP_MEDIA": str(shop / "media"),
    }


def run(shop: Path, env: dict, *args: str, timeout: float = 300) -> dict | str:
    proc = subprocess.run(
        [sys.executable, "-S", *args], cwd=shop, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return json.loads(last) if last.startswith("{") else proc.stdout + proc.stderr


def near(pixel, colour, tolerance=25) -> bool:
    return max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= tolerance


def test_a_stock_oscar_shop_with_the_recipe_only(installed, tmp_path):  # noqa: F811
    started = time.monotonic()
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop, ignore=shutil.ignore_patterns("oscar_*.py", "conftest.py"))
    env = shop_env(shop, installed)
    settings = (shop / "shop" / "settings.py").read_text()
    assert "Q_CLUSTER =" not in settings and "KONIGLE_BG =" not in settings  # the recipe only

    checked = run(shop, env, "manage.py", "check")
    assert "konigle_bg" not in checked, checked  # no warning: the recipe is enough
    run(shop, env, "manage.py", "migrate", "-v0", timeout=600)
    run(shop, env, "scenario.py", "setup")
    published = run(shop, env, "scenario.py", "publish")
    assert published["status"] == 302 and published["stockrecords"] == 1, published
    assert published["state"] == "pending" and published["dashboard_link"], published
    assert "/products/" in published["original"]

    log = open(tmp_path / "qcluster.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-S", "manage.py", "qcluster"], cwd=shop, env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        done = run(shop, env, "scenario.py", "wait", timeout=240)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
    assert done["state"] == "done", (done, (tmp_path / "qcluster.log").read_text()[-3000:])

    shown = run(shop, env, "scenario.py", "storefront")
    for page in ("product", "search", "basket"):
        assert shown[page]["status"] == 200 and shown[page]["thumbnail"], (page, shown)
        assert all(near(p, (255, 255, 255), 8) for p in shown[page]["corners"]), (page, shown)
    assert run(shop, env, "scenario.py", "revert")["status"] == 302
    reverted = run(shop, env, "scenario.py", "storefront")
    for page in ("product", "search", "basket"):
        assert all(near(p, BACKGROUND) for p in reverted[page]["corners"]), (page, reverted)
        assert reverted[page]["thumbnail"] != shown[page]["thumbnail"]

    tokens = run(shop, env, "scenario.py", "tokens")["statuses"]
    assert set(tokens.values()) <= {401, 403}, tokens  # no rest_framework.authtoken here
    print(f"stock Oscar shop, recipe only: {time.monotonic() - started:.0f} s (wheel apart)")
