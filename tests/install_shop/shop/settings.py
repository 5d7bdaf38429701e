"""A shop with its own catalogue; konigle_bg is configured for it, nothing else."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "throwaway"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "catalog",
    "konigle_bg",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "shop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
Q_CLUSTER = {"name": "shop", "orm": "default"}
KONIGLE_BG = {
    "IMAGE_MODEL": "catalog.Picture",
    "STORE_MODEL": "catalog.Shop",
    "IMAGE_FIELD": "file",
    "PRODUCT_FIELD": "item",
    "PRODUCT_TITLE": "name",
    "PRODUCT_PUBLISHED": "live",
    "PRODUCT_STORE": "shop",
    "PRODUCT_IMAGES": "pictures",
    "STORE_MEMBER_LOOKUPS": ["manager"],
    "SYNC": True,
}
if os.environ.get("SHOP_WITHOUT_HOST_MODELS"):
    del KONIGLE_BG["IMAGE_MODEL"], KONIGLE_BG["STORE_MODEL"]
