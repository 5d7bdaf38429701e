"""The plugin's boundary with the shop: no default host model, no import of the demo app,
review pages that work without the API mounted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

import konigle_bg
from konigle_bg.checks import check_settings, check_store_mode

PLUGIN = Path(konigle_bg.__file__).parent


def test_without_host_models_the_check_says_what_to_set(settings):
    settings.KONIGLE_BG = {"SEGMENTER": "u2netp"}
    errors = {e.obj: e for e in check_settings() if e.id == "konigle_bg.E003"}
    assert set(errors) == {"IMAGE_MODEL"}
    assert "Set KONIGLE_BG['IMAGE_MODEL'] in your settings to your product photo model" in (
        errors["IMAGE_MODEL"].msg
    )
    # No STORE_MODEL is single-store mode, on django.contrib.sites (not in the demo).
    (store,) = check_store_mode()
    assert store.id == "konigle_bg.E008" and "KONIGLE_BG['STORE_MODEL']" in store.hint


def test_demo_settings_pass_the_checks():
    ids = [e.id for e in run_checks() if e.id.startswith("konigle_bg.E")]
    assert ids == []


def test_plugin_never_imports_the_demo_site():
    offenders = []
    for path in PLUGIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"products", "config", "benchmarks", "tests"}:
                    offenders.append(f"{path.relative_to(PLUGIN)}: {name}")
    assert offenders == []


def test_migrations_name_no_demo_model():
    """Host models come from settings in every migration (``host.model_label``): a migration
    that names ``products`` would not apply in a shop without it."""
    offenders = []
    for path in (PLUGIN / "migrations").glob("0*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value == "products" or node.value.startswith("products."):
                    offenders.append(f"{path.name}: {node.value}")
    assert offenders == []


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.urls_without_api")
def test_store_page_without_the_api_mounted(client, owner, store, make_product):
    from konigle_bg import services

    make_product()
    services.install_presets(store, ["white"])
    client.force_login(owner)
    res = client.get(f"/bg/stores/{store.pk}/")
    assert res.status_code == 200
    html = res.content.decode()
    assert 'data-runs-url=""' in html
    assert 'id="theme-switch-form"' not in html  # no API to drive a switch with
