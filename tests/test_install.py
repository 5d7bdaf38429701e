"""The contract with a shop: the wheel, installed on its own, works in a project of its own.

The wheel is built from the checkout and installed into a temporary folder; the throwaway shop
(tests/install_shop, copied to a temporary folder) runs with ``python -S`` and a PYTHONPATH of
that folder and the environment's site-packages only, so neither the repository nor the
editable install's path hook (a ``.pth`` file, skipped by ``-S``) can supply konigle_bg.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SHOP = Path(__file__).resolve().parent / "install_shop"


def clean_source(dest: Path) -> Path:
    """The checkout's files as git sees them (tracked and not ignored), copied to ``dest``: a
    stale ``build/`` from an earlier wheel of another layout must not leak into this one."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist): build in place
        return REPO
    for name in filter(None, listed.stdout.decode().split("\0")):
        src = REPO / name
        if src.is_file() and not src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = clean_source(tmp_path_factory.mktemp("source"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (found,) = out.glob("konigle_bg-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def shop_run(shop: Path, site: Path, *args: str, env: dict | None = None):
    path = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=shop,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def shop(tmp_path) -> Path:
    folder = tmp_path / "shop"
    shutil.copytree(SHOP, folder)
    return folder


def test_wheel_holds_the_plugin_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"konigle_bg", wheel.name.split("-py3")[0] + ".dist-info"}
    for needed in (
        "konigle_bg/py.typed",
        "konigle_bg/templates/konigle_bg/review_store.html",
        "konigle_bg/static/konigle_bg/review.js",
        "konigle_bg/migrations/0001_initial.py",
        "konigle_bg/templatetags/konigle_bg.py",
        "konigle_bg/models/u2netp.onnx",  # the default model, offline at once (setup.py)
    ):
        assert needed in names
    meta = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py3')[0]}.dist-info/METADATA")
    meta = meta.decode()
    assert "License-Expression: MIT" in meta
    assert "Classifier: Framework :: Django" in meta
    assert "pymatting" not in meta
    runtime = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    runtime = [line for line in runtime if "extra ==" not in line]
    # No dependency that caps Pillow, onnxruntime or OpenCV for the shop.
    assert not any("rembg" in line for line in runtime), runtime
    for name in ("pillow", "onnxruntime", "opencv-python-headless"):
        (line,) = [x for x in runtime if x.split()[1].lower().startswith(name)]
        assert "<" not in line, line


def test_a_shop_of_its_own_processes_reverts_and_administers(installed, shop):
    for step in (["manage.py", "makemigrations", "catalog"], ["manage.py", "migrate", "-v0"]):
        res = shop_run(shop, installed, *step)
        assert res.returncode == 0, res.stderr
    res = shop_run(shop, installed, "scenario.py")
    assert res.returncode == 0, res.stderr
    seen = json.loads(res.stdout.strip().splitlines()[-1])
    # konigle_bg came from the installed wheel, not from the checkout.
    assert Path(seen["konigle_bg"]).resolve().is_relative_to(installed.resolve())
    assert Path(seen["model"]).resolve().is_relative_to(installed.resolve())
    assert not any(Path(p).resolve() == REPO for p in seen["sys_path"] if p)
    assert seen["original"].startswith("/media/pictures/")
    assert "/variants/" in seen["processed"] and seen["processed"] != seen["original"]
    assert seen["tag"] == seen["processed"]
    assert seen["change_page"] == 200 and seen["photo_strip"]
    assert seen["actions"] == ["go_live", "revert_backgrounds", "process_backgrounds"]
    assert seen["revert_status"] == 302
    assert seen["after_revert"] == seen["original"]
    assert seen["review_page"] == 200  # the API is not mounted in this shop


def test_without_host_models_the_shop_is_told_what_to_set(installed, shop):
    res = shop_run(shop, installed, "manage.py", "check", env={"SHOP_WITHOUT_HOST_MODELS": "1"})
    assert res.returncode != 0
    assert "konigle_bg.E003" in res.stderr
    assert "Set KONIGLE_BG['IMAGE_MODEL'] in your settings" in res.stderr
