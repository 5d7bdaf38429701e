"""The demo store's catalogue: the host models konigle_bg plugs into."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from konigle_bg.validators import validate_photo


class StoreManager(models.Manager):
    def get_by_natural_key(self, slug: str) -> "Store":
        return self.get(slug=slug)


class Store(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_stores"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="staff_stores"
    )

    # Fixtures name a store by its slug (fixtures/demo_store.json).
    objects = StoreManager()

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class ProductQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Product.Status.PUBLISHED)


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("products:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def publish(self) -> None:
        self.status = self.Status.PUBLISHED
        self.published_at = self.published_at or timezone.now()
        self.save(update_fields=["status", "published_at"])


# Served from MEDIA_URL with a type guessed from the name: only image names are kept, so a
# valid image that is also HTML (a polyglot) uploaded as "x.html" is never served as a page.
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".mpo"}


def original_upload_to(instance: "ProductImage", filename: str) -> str:
    # One folder per photo: the original, and konigle_bg's results under variants/ beside it.
    ext = PurePosixPath(filename).suffix.lower()
    if ext not in IMAGE_SUFFIXES:
        ext = ".img"  # served as application/octet-stream, never rendered
    return f"products/{instance.product_id}/{uuid.uuid4().hex[:12]}/original{ext}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(
        upload_to=original_upload_to, max_length=255, validators=[validate_photo]
    )
    position = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"
