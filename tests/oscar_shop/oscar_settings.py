"""The recipe alone configures konigle_bg for Oscar; the shop's own keys still win."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_oscar_defaults_come_from_the_contrib_app_and_the_shop_overrides_them(settings):
    from django.contrib.sites.models import Site

    from konigle_bg import host
    from konigle_bg.conf import bg_settings, setting_source

    assert bg_settings.IMAGE_MODEL == "catalogue.ProductImage"
    assert bg_settings.IMAGE_FIELD == "original" and bg_settings.PRODUCT_PUBLISHED == "is_public"
    assert setting_source("IMAGE_MODEL") == "konigle_bg.contrib.oscar"
    assert setting_source("SEGMENTER") == "default"
    assert host.store_mode() == host.SINGLE and host.store_model() is Site

    settings.KONIGLE_BG = {"PRODUCT_PUBLISHED": "is_discountable", "KEEP_VARIANTS": 3}
    assert bg_settings.PRODUCT_PUBLISHED == "is_discountable"
    assert setting_source("PRODUCT_PUBLISHED") == "KONIGLE_BG"
    assert bg_settings.IMAGE_FIELD == "original" and bg_settings.KEEP_VARIANTS == 3


def test_the_shop_passes_every_check(capsys):
    call_command("check", "--database", "default", "--fail-level", "WARNING")
    assert "konigle_bg" not in capsys.readouterr().err


def test_migrations_match_the_models_on_a_shop_without_a_store_model():
    # The plugin's store foreign keys point at sites.Site here: the migration state agrees.
    call_command("makemigrations", "konigle_bg", "--check", "--dry-run", verbosity=0)


def test_migrate_made_the_sweep_and_django_q_runs_on_the_database():
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.models import Schedule

    from konigle_bg import queue

    sweep = Schedule.objects.get(name=queue.SWEEP)
    assert sweep.func == "konigle_bg.tasks.sweep" and sweep.minutes == 5
    assert isinstance(get_broker(), ORM)  # no Q_CLUSTER: the contrib app's fallback
