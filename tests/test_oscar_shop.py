"""konigle_bg inside a stock django-oscar 4.2 shop (tests/oscar_shop: Oscar's documented
settings plus only the recipe): the tests in ``tests/oscar_shop/oscar_*.py``.

They need a project of their own (the plugin's models point at Oscar's photo model and at
django.contrib.sites' Site there), so they run as a pytest session of their own, here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.procs import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_the_oscar_shop_tests_pass(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(SHOP_DB=str(tmp_path / "db.sqlite3"), OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [
            sys.executable, "-W", "ignore::UserWarning", "-m", "pytest", "tests/oscar_shop",
            "--ds=tests.oscar_shop.shop.settings", "-o", "python_files=oscar_*.py",
            "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-s",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    print(out[-3000:])
    assert proc.returncode == 0, out[-6000:]
    assert " passed" in out and "failed" not in out
