"""User-facing strings are marked for translation: ``makemessages`` finds them (run on a copy
of the plugin, so the checkout is left as it is)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import konigle_bg

PLUGIN = Path(konigle_bg.__file__).parent


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("messages") / "konigle_bg"
    shutil.copytree(PLUGIN, root, ignore=shutil.ignore_patterns("__pycache__", "*.onnx"))
    (root / "locale").mkdir(exist_ok=True)
    cwd = Path.cwd()
    try:
        os.chdir(root)
        for domain in ("django", "djangojs"):
            call_command("makemessages", locale=["de"], domain=domain, verbosity=0)
    finally:
        os.chdir(cwd)
    folder = root / "locale" / "de" / "LC_MESSAGES"
    return {d: (folder / f"{d}.po").read_text() for d in ("django", "djangojs")}


@pytest.mark.parametrize(
    "msgid",
    [
        # admin actions and messages
        'msgid "Revert photos to originals"',
        'msgid "%(n)d photo reverted to the original."',
        'msgid "Show this variant on the store"',
        'msgid "Switching %(n)d photo to %(theme)s."',
        'msgid "The theme switch was cancelled."',
        # model choices
        'msgid "Pending"',
        'msgid "All at once when the run completes"',
        # review pages (templates, views, forms)
        'msgid "Photo review"',
        'msgid "Start switch"',
        'msgid "Page %(number)s of %(pages)s"',
        'msgid "Photo %(id)s: %(text)s"',
        'msgid "Needs review only"',
        # admin pages
        'msgid "Switch store theme"',
        'msgid "When should the store change?"',
        # API and upload errors
        'msgid "Give a prompt, a box around the product, or both."',
        'msgid "This store has a theme with it."',
        'msgid "ids must be a comma-separated list of numbers"',
        'msgid "At most %(n)d clicks."',
        # upload refusals, marked in the pure decoder (imaging.io.gettext_noop)
        'msgid "The file is empty."',
        'msgid "Upload a JPEG, PNG, WebP, GIF, TIFF or BMP image."',
        'msgid "The file is larger than the %(limit)s limit (%(size)s)."',
        # the remove.bg-compatible API's keys (admin)
        'msgid "Revoke selected keys"',
        # domain errors, marked where they are raised (konigle_bg.errors.gettext_noop)
        'msgid "The host %(host)s could not be found."',
        'msgid "The original photo file is missing or unreadable (%(reason)s)."',
        'msgid "This theme belongs to another store."',
    ],
)
def test_makemessages_finds_the_strings(catalogs, msgid):
    assert msgid in catalogs["django"]


def test_makemessages_finds_the_script_strings(catalogs):
    assert 'msgid "Box %(box)s (photo pixels)"' in catalogs["djangojs"]
    assert 'msgid "Cancelled"' in catalogs["djangojs"]


def test_javascript_catalog_is_served(client):
    resp = client.get("/bg/jsi18n/")
    assert resp.status_code == 200 and b"gettext" in resp.content
