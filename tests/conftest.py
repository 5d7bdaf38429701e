"""Shared fixtures: a store with its owner, products with photos made in memory."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="session", autouse=True)
def session_settings(tmp_path_factory):
    """Settings for the tests run in this process (not the processes they start):

    - files a test writes without the ``media`` fixture land in this session's own folder,
      never in the project's var/media: parallel workers (pytest-xdist) never share one;
    - passwords hashed with a fast hasher: PBKDF2 costs half a second of CPU per user created
      or logged in, hundreds of times a run. The browser and cluster tests, whose sites run in
      their own processes, keep the real one.
    """
    from django.test import override_settings

    override = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    override.enable()
    yield
    override.disable()


def photo_bytes(size=(480, 360), colour=(200, 40, 40), fmt="JPEG", seed=0, **save) -> bytes:
    """A product-like photo: a shaded disc on a textured, uneven background."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = 120 + 40 * np.sin(x / 17.0)[..., None] + rng.normal(0, 6, (h, w, 1))
    bg = np.broadcast_to(bg, (h, w, 3)) * np.array([1.0, 0.9, 0.75])
    r = min(w, h) * 0.3
    d = np.hypot(x - w / 2, y - h / 2)
    inside = np.clip(r - d, 0, 1)[..., None]
    shade = (1.0 - 0.4 * (d / r))[..., None]
    obj = np.array(colour, np.float32) * np.clip(shade, 0.5, 1)
    img = bg * (1 - inside) + obj * inside
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sync_jobs(settings):
    """Jobs run inline once the transaction commits (no worker needed)."""
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "SYNC": True}


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", password="pw", is_staff=True)


@pytest.fixture
def api(owner):
    """The store owner's API client (signed in without a token)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def store(owner):
    from products.models import Store

    return Store.objects.create(name="Shop", slug="shop", owner=owner)


@pytest.fixture
def make_product(store, media):
    from django.core.files.base import ContentFile

    from products.models import Product, ProductImage

    def make(title="Red Rubber Ball", photos=1, published=False, store=store, **kw):
        product = Product.objects.create(store=store, title=title)
        for i in range(photos):
            img = ProductImage(product=product, position=i)
            img.image.save(f"p{i}.jpg", ContentFile(photo_bytes(seed=i, **kw)), save=True)
        if published:
            product.publish()
        return product

    return make


@pytest.fixture
def predicts(monkeypatch):
    """Every call into the segmentation backend."""
    calls = []
    from konigle_bg import services

    seg = services.segmenter()
    original = type(seg).predict

    def counting(self, image, prompts=None):
        calls.append(image.size)
        return original(self, image, prompts)

    monkeypatch.setattr(type(seg), "predict", counting)
    return calls


# Fixtures that build tiny transformers models: importing torch and building them takes tens of
# seconds, so the tests that use them are slow (run by `make test`, left out of `make check`).
TORCH_FIXTURES = {"tiny_models", "tiny_clipseg"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if TORCH_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
