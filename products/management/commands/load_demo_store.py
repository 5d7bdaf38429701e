"""Build the demo store: the products of ``fixtures/demo_store.json`` with rendered photos
(or one product per photo of your own with --photos DIR)."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from products import demo_photos
from products.models import Product, ProductImage, Store

PHOTO_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"}


def title_from_filename(path: Path) -> str:
    words = re.sub(r"[_\-]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else "Product"


class Command(BaseCommand):
    help = "Create the demo store (admin/admin) with product photos, most products published."

    def add_arguments(self, parser):
        parser.add_argument("--photos", help="Folder of your own photos: one product each.")
        parser.add_argument("--reset", action="store_true", help="Delete the demo store first.")
        parser.add_argument("--draft", action="store_true", help="Leave every product as a draft.")

    def handle(self, *args, photos=None, reset=False, draft=False, **opts):
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password("admin")
            admin.save()
        if reset:
            Store.objects.filter(slug="demo").delete()
        store = Store.objects.filter(slug="demo").first()
        if store is not None and store.products.exists():
            self.stdout.write("The demo store already has products; use --reset to rebuild it.")
            return
        if photos:
            items = self._from_folder(Path(photos))
            store, _ = Store.objects.get_or_create(
                slug="demo", defaults={"name": "Demo store", "owner": admin}
            )
        else:
            # The store and its products (drafts and published) are fixtures; loaddata saves
            # them raw, so nothing is queued before their photos exist.
            call_command("loaddata", "demo_store", verbosity=0)
            store = Store.objects.get(slug="demo")
            items = self._rendered(store)
        for title, files, published in tqdm(items, desc="demo products", unit="product"):
            with transaction.atomic():
                product, _ = Product.objects.get_or_create(store=store, title=title)
                # A draft while its photos are added, so they are queued once, on publish.
                Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)
                product.status = Product.Status.DRAFT
                for pos, (name, data) in enumerate(files):
                    img = ProductImage(product=product, position=pos)
                    img.image.save(name, ContentFile(data), save=True)
                if published and not draft:
                    product.publish()  # the publish hook queues the photos
        n = store.products.count()
        self.stdout.write(self.style.SUCCESS(f"Demo store ready: {n} products."))

    def _rendered(self, store: Store):
        for product in store.products.order_by("pk"):
            shape, colour, photos = demo_photos.SHOTS[product.title]
            files = [
                (
                    f"photo{j}.jpg",
                    demo_photos.jpeg_bytes(demo_photos.render(shape, colour, s, seed, shift)),
                )
                for j, (s, seed, shift) in enumerate(photos)
            ]
            yield product.title, files, product.is_published
        coffee = demo_photos.skimage_photo("coffee")
        if coffee is not None:
            yield (
                "Espresso Cup and Saucer, White Porcelain",
                [("coffee.jpg", demo_photos.jpeg_bytes(coffee))],
                True,
            )

    def _from_folder(self, folder: Path):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_EXTS)
        if not paths:
            raise CommandError(f"No photos ({', '.join(sorted(PHOTO_EXTS))}) in {folder}.")
        for p in paths:
            yield title_from_filename(p), [(f"original{p.suffix.lower()}", p.read_bytes())], True
