"""Production settings: the demo settings, hardened, with secrets and hosts from the environment.

    DJANGO_SETTINGS_MODULE=config.settings_production
    DJANGO_SECRET_KEY=...            required (50+ random characters)
    DJANGO_ALLOWED_HOSTS=shop.example.com,www.shop.example.com   required
    DATABASE_URL=postgres://user:pass@db:5432/shop               (else SQLite under var/)
    REDIS_URL=redis://redis:6379/0                               (else the ORM broker)
    DJANGO_CSRF_TRUSTED_ORIGINS=https://shop.example.com         (default: https:// + each host)
    DJANGO_SECURE_SSL_REDIRECT=0     only where the proxy itself redirects http to https

``manage.py check --deploy`` passes with no warnings. Media are served by the web server or the
object store, never by Django (docs/deploy.md has the nginx snippet).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403 - the base settings, then hardened below


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to 50 or more random characters, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Set DJANGO_ALLOWED_HOSTS to the site's host names (comma separated)."
    )
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS") or [
    f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*"
]

DEBUG = False
SERVE_MEDIA = False  # the web server or S3 serves MEDIA_URL (see docs/deploy.md)

# HTTPS only: behind a proxy that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Database and broker come from DATABASE_URL / REDIS_URL through the base settings.
if os.environ.get("DJANGO_STATIC_ROOT"):
    STATIC_ROOT = os.environ["DJANGO_STATIC_ROOT"]
