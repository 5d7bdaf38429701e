"""Settings of the demo store site (SQLite + django-q2's ORM broker: one machine, no services).

Environment variables switch it to a cluster (see README "Past one machine"): DATABASE_URL,
REDIS_URL, MEDIA_ROOT, KONIGLE_BG_STORAGE.
"""

import json
import os
from pathlib import Path

from konigle_bg.workers import default_workers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KONIGLE_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "products",
    "konigle_bg",
    "konigle_bg.removebg",  # the remove.bg-compatible endpoint (optional)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "config.wsgi.application"
# The demo store's data (products/management/commands/load_demo_store.py loads it).
FIXTURE_DIRS = [BASE_DIR / "fixtures"]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import unquote, urlparse

        u = urlparse(url)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": u.path.lstrip("/") or "postgres",
            "USER": unquote(u.username or ""),
            "PASSWORD": unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
            "CONN_MAX_AGE": 60,
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
        # The worker and the web server write to one file: wait for locks instead of
        # failing, and take the write lock up front so transactions never deadlock.
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
LOGIN_URL = "admin:login"

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

if os.environ.get("KONIGLE_BG_STORAGE", "").lower() == "s3":
    # Shared storage for workers on several hosts: any S3-compatible store (AWS, MinIO, R2...)
    # through django-storages; credentials from boto3's usual chain (AWS_ACCESS_KEY_ID/... or a
    # role). The other way to share: MEDIA_ROOT on a folder every host mounts (NFS...).
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
                "location": os.environ.get("AWS_LOCATION", ""),
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# django-q2: ORM broker on the same database by default; Redis when REDIS_URL is set.
# Q_NAME names the site (same on every host: signing salt and Redis key prefix); Q_CLUSTER_NAME
# names the queue this worker serves (e.g. "gpu", see KONIGLE_BG QUEUE/RENDER_QUEUE).
Q_CLUSTER = {
    "name": os.environ.get("Q_NAME", "konigle_bg"),
    # One worker process per core by default; threads per worker follow (konigle_bg.workers).
    "workers": int(os.environ.get("Q_WORKERS") or default_workers()),
    "recycle": 500,
    "timeout": int(os.environ.get("Q_TIMEOUT", "300")),
    "retry": int(os.environ.get("Q_RETRY", "330")),
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.2,
    "label": "Background jobs",
}
if os.environ.get("Q_CLUSTER_NAME"):
    Q_CLUSTER["cluster_name"] = os.environ["Q_CLUSTER_NAME"]
if os.environ.get("REDIS_URL"):
    Q_CLUSTER["redis"] = os.environ["REDIS_URL"]
    # django-q2's Redis broker loses the tasks of a worker that dies; this one re-delivers
    # them after "retry" seconds, as the ORM broker does.
    Q_CLUSTER["broker_class"] = "konigle_bg.broker.ReliableRedis"
else:
    Q_CLUSTER["orm"] = "default"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "konigle_bg API",
    "DESCRIPTION": "Background replacement for store product photos.",
    "VERSION": "1.0.0",
    # Swagger UI from drf-spectacular-sidecar's static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

KONIGLE_BG = {
    "IMAGE_MODEL": "products.ProductImage",
    "STORE_MODEL": "products.Store",
}
# Per-host worker knobs from the environment (README "Past one machine").
for _key, _var in {
    "QUEUE": "KONIGLE_BG_QUEUE",
    "RENDER_QUEUE": "KONIGLE_BG_RENDER_QUEUE",
    "DEVICE": "KONIGLE_BG_DEVICE",
    "THREADS": "KONIGLE_BG_THREADS",
    "MODELS_DIR": "KONIGLE_BG_MODELS_DIR",
}.items():
    if os.environ.get(_var):
        KONIGLE_BG[_key] = int(os.environ[_var]) if _key == "THREADS" else os.environ[_var]
if os.environ.get("KONIGLE_BG_SEGMENTER"):
    KONIGLE_BG["SEGMENTER"] = os.environ["KONIGLE_BG_SEGMENTER"]
if os.environ.get("KONIGLE_BG_SEGMENTER_OPTIONS"):
    KONIGLE_BG["SEGMENTER_OPTIONS"] = json.loads(os.environ["KONIGLE_BG_SEGMENTER_OPTIONS"])
# Extra apps, comma separated: the crash tests add their fault-injection app (tests.faults)
# to real worker processes this way. Never set in production.
INSTALLED_APPS += [a for a in os.environ.get("DJANGO_EXTRA_APPS", "").split(",") if a]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The pid tells which worker process of which host did what.
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "konigle_bg": {"handlers": ["console"], "level": "INFO"},
        # The demo's receiver of konigle_bg's photo_changed signal ("purge <url>").
        "products": {"handlers": ["console"], "level": "INFO"},
        "django_q": {"handlers": ["console"], "level": "INFO"},
    },
}
