"""Wait, with a progress bar, until the queued photos of published products are processed."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from konigle_bg import host
from konigle_bg.conf import bg_settings
from konigle_bg.models import JobStatus, PhotoState


class Command(BaseCommand):
    help = "Wait until every queued photo is processed (used by `make demo`)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=600, help="Seconds to wait at most.")

    def handle(self, *args, timeout: float, **opts):
        published = {f"{bg_settings.PRODUCT_FIELD}__in": _published_products()}
        images = host.image_model().objects.filter(**published)
        total = images.count()
        deadline = time.monotonic() + timeout
        with tqdm(total=total, desc="processing photos", unit="photo") as bar:
            while True:
                states = PhotoState.objects.filter(image__in=images)
                finished = states.filter(status__in=[JobStatus.DONE, JobStatus.FAILED]).count()
                skipped = states.filter(reverted=True).exclude(status=JobStatus.PENDING).count()
                bar.n = min(total, finished + skipped)
                bar.refresh()
                if bar.n >= total:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(f"Timed out: {total - bar.n} photo(s) still processing.")
                time.sleep(1)
        failed = PhotoState.objects.filter(image__in=images, status=JobStatus.FAILED).count()
        self.stdout.write(f"{total - failed} photo(s) processed, {failed} failed.")


def _published_products():
    Product = host.product_model()
    return [p.pk for p in Product.objects.all() if host.product_is_published(p)]
