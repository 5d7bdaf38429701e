"""config.settings_production: secrets and hosts from the environment, check --deploy clean."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.procs import ROOT

pytestmark = pytest.mark.slow


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    base.update(
        DJANGO_SETTINGS_MODULE="config.settings_production",
        KONIGLE_VAR_DIR=str(tmp_path),
        DJANGO_DEBUG="1",  # the demo's switch must not turn production's DEBUG on
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def good_env() -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com,www.shop.example.com",
    }


def test_check_deploy_has_no_warnings(tmp_path):
    proc = run(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **good_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


SHOW = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "ALLOWED_HOSTS": s.ALLOWED_HOSTS, "CSRF": s.CSRF_TRUSTED_ORIGINS,
    "SECRET": s.SECRET_KEY, "DB": s.DATABASES["default"], "Q": s.Q_CLUSTER,
    "HSTS": s.SECURE_HSTS_SECONDS, "SSL": s.SECURE_SSL_REDIRECT,
    "cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "nosniff": s.SECURE_CONTENT_TYPE_NOSNIFF,
}, default=str))
"""


def test_everything_comes_from_the_environment(tmp_path):
    env = good_env()
    proc = run(
        tmp_path,
        "shell",
        "-c",
        SHOW,
        **env,
        DATABASE_URL="postgres://shop:p%40ss@db.internal:5433/shopdb",
        REDIS_URL="redis://redis.internal:6379/2",
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["DEBUG"] is False
    assert got["SECRET"] == env["DJANGO_SECRET_KEY"]
    assert got["ALLOWED_HOSTS"] == ["shop.example.com", "www.shop.example.com"]
    assert got["CSRF"] == ["https://shop.example.com", "https://www.shop.example.com"]
    db = got["DB"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "shopdb",
        "shop",
        "p@ss",
        "db.internal",
        "5433",
    )
    assert got["Q"]["redis"] == "redis://redis.internal:6379/2" and "orm" not in got["Q"]
    assert got["HSTS"] >= 31536000 and got["SSL"] is True
    assert got["cookies"] == [True, True] and got["nosniff"] is True


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DJANGO_ALLOWED_HOSTS": "shop.example.com"}, "DJANGO_SECRET_KEY"),
        (
            {"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "shop.example.com"},
            "DJANGO_SECRET_KEY",
        ),
        ({"DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_missing_secrets_fail_early_and_clearly(tmp_path, env, message):
    proc = run(tmp_path, "check", **env)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and message in proc.stderr
