"""The benchmarks' store: published products with a photo each (Django must be set up)."""

from __future__ import annotations


def build_store(n: int, photos: list[bytes], name: str = "Bench"):
    """Store, ``n`` published products and their photos, made with bulk_create so no signal
    queues anything yet; returns the store and its photos in primary-key order."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from products.models import Product, ProductImage, Store

    slug = name.lower()
    user = get_user_model().objects.create_user(slug, password=slug)
    store = Store.objects.create(name=name, slug=slug, owner=user)
    products = Product.objects.bulk_create(
        Product(store=store, title=f"{name} product {i}", status="published") for i in range(n)
    )
    rows = []
    for i, product in enumerate(products):
        stored = default_storage.save(
            f"products/{product.pk}/{i:05d}/original.jpg", ContentFile(photos[i % len(photos)])
        )
        rows.append(ProductImage(product=product, image=stored, position=0))
    ProductImage.objects.bulk_create(rows)
    return store, list(ProductImage.objects.filter(product__store=store).order_by("pk"))
