"""One typed, validated settings object: every key declared once with its type and default,
every key a shop sets checked at start-up (system check konigle_bg.E007) with the expected
type in the message, and a wrong value never reaching the code that reads it."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from konigle_bg.checks import check_settings
from konigle_bg.conf import DEFAULTS, SETTINGS, Setting, bg_settings


def test_every_key_is_declared_with_its_type_and_a_valid_default():
    assert set(DEFAULTS) == set(SETTINGS) and len(SETTINGS) >= 38
    for name, setting in SETTINGS.items():
        assert isinstance(setting, Setting), name
        assert setting.problem(setting.default) == "", name


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("MAX_ATTEMPTS", "three", "expected an int >= 1, got 'three' (str)"),
        ("MAX_ATTEMPTS", 0, "expected an int >= 1, got 0 (int)"),
        ("REVIEW_THRESHOLD", 1.5, "expected a number in [0, 1], got 1.5 (float)"),
        ("SYNC", "yes", "expected True or False, got 'yes' (str)"),
        ("STORE_MEMBER_LOOKUPS", "owner", "expected a list of strings, got 'owner' (str)"),
        ("THREADS", "2", "expected an int >= 1 or None, got '2' (str)"),
        ("DEVICE", "gpu", "expected 'auto', 'cpu', 'cuda' or 'cuda:N', got 'gpu' (str)"),
        ("URL_IMPORT_TIMEOUT", 0, "expected a number > 0, got 0 (int)"),
        ("SEGMENTER_OPTIONS", [], "expected a dict, got [] (list)"),
        ("REMOVEBG_THREADS", 0, "expected an int >= 1 or None, got 0 (int)"),
        ("KEEP_VARIANTS", True, "expected an int >= 0, got True (bool)"),
    ],
)
def test_a_wrong_value_is_named_with_its_expected_type_at_start_up(settings, key, value, expected):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, key: value}
    errors = [e for e in check_settings() if e.id == "konigle_bg.E007"]
    assert [e.msg for e in errors] == [f"KONIGLE_BG[{key!r}]: {expected}."]
    # ...and the code that reads it never sees it.
    with pytest.raises(ImproperlyConfigured, match=re.escape(expected)):
        getattr(bg_settings, key)


def test_the_start_up_check_stops_a_command(settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "MAX_SIDE": "4096"}
    with pytest.raises(SystemCheckError, match="MAX_SIDE.*expected an int >= 1"):
        call_command("check")


def test_good_values_pass_and_read_as_given(settings):
    settings.KONIGLE_BG = {
        **settings.KONIGLE_BG,
        "REVIEW_THRESHOLD": 1,  # an int is a number
        "THREADS": None,
        "DEVICE": "cuda:1",
        "STORE_MEMBER_LOOKUPS": ("owner",),
        "MODELS_DIR": None,
    }
    assert [e for e in check_settings() if e.id.startswith("konigle_bg.E")] == []
    assert bg_settings.REVIEW_THRESHOLD == 1 and bg_settings.DEVICE == "cuda:1"


def test_unknown_keys_are_still_refused(settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "MAX_ATTEMPS": 3}
    assert [e.id for e in check_settings()] == ["konigle_bg.E002"]


def test_removebg_settings_without_the_app_say_what_to_install(settings, monkeypatch):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "REMOVEBG_RATE_LIMIT": 60}
    assert "konigle_bg.W011" not in [e.id for e in check_settings()]
    installed = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "konigle_bg.removebg"
                        and installed(name))  # fmt: skip
    (warning,) = [e for e in check_settings() if e.id == "konigle_bg.W011"]
    assert "'konigle_bg.removebg'" in warning.hint


def test_a_backend_that_needs_torch_without_torch_is_said_at_start_up(settings, monkeypatch):
    from konigle_bg.imaging.segment import devices

    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "clipseg"}
    monkeypatch.setattr(devices, "torch_stack_available", lambda: False)
    assert "konigle_bg.W010" in [e.id for e in check_settings()]
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SEGMENTER": "u2netp"}
    assert "konigle_bg.W010" not in [e.id for e in check_settings()]
