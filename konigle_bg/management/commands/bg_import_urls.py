"""Add photos to products from URLs: ``manage.py bg_import_urls FILE``.

FILE is CSV or plain lines, one photo each: ``product, url`` where product is a product id or
its exact title (a header row such as ``product,url`` is skipped; ``#`` starts a comment).
Every download goes through ``urlfetch`` (public http/https only, size and time
limits, checked content). Prints a summary; exits 2 with one line per failure when any failed.
"""

from __future__ import annotations

import csv
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from konigle_bg import host, services
from konigle_bg.conf import bg_settings
from konigle_bg.urlfetch import FetchRefused

log = logging.getLogger("konigle_bg")


@dataclass(frozen=True)
class Row:
    line: int
    product: str
    url: str


def read_rows(text: str) -> tuple[list[Row], list[str]]:
    """Rows to import and the lines that could not be read (as failure messages)."""
    rows, bad = [], []
    lines = text.splitlines()
    for number, fields in enumerate(csv.reader(lines), start=1):
        fields = [f.strip() for f in fields]
        if not any(fields) or fields[0].startswith("#"):
            continue
        if len(fields) == 1 and " " in fields[0]:  # "id url" lines without a comma
            fields = fields[0].rsplit(None, 1)
        if len(fields) < 2 or not fields[0] or not fields[-1]:
            bad.append(f"line {number}: expected 'product, url', got {lines[number - 1]!r}")
            continue
        if number == 1 and "://" not in fields[-1]:
            continue  # a header row
        rows.append(Row(number, fields[0], fields[-1]))
    return rows, bad


def find_product(ref: str, store: str | None):
    """The product with this id, else with exactly this title; ``str`` error otherwise."""
    Product = host.product_model()
    qs = Product.objects.all()
    if store:
        qs = qs.filter(**{f"{bg_settings.PRODUCT_STORE}__slug": store})
    if ref.isdigit():
        product = qs.filter(pk=int(ref)).first()
        if product is not None:
            return product
    matches = list(qs.filter(**{f"{bg_settings.PRODUCT_TITLE}__iexact": ref})[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        return f"several products are titled {ref!r}; use the product id"
    return f"no product {ref!r}"


class Command(BaseCommand):
    help = "Add photos to products from a CSV/lines file of 'product id or title, url'."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or text file; '-' reads standard input.")
        parser.add_argument("--store", help="Only products of this store (slug).")

    def handle(self, *args, file: str, store: str | None, **opts):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}", returncode=2) from None
        rows, failures = read_rows(text)
        imported = 0
        for row in tqdm(rows, desc="importing", unit="photo", disable=len(rows) < 2):
            product = find_product(row.product, store)
            if isinstance(product, str):
                failures.append(f"line {row.line}: {product}")
                continue
            try:
                image = services.import_photo_from_url(product, row.url)
            except FetchRefused as exc:
                failures.append(f"line {row.line}: {row.url}: {exc}")
                continue
            except Exception as exc:  # one bad row never stops the others; log has details
                log.exception("bg_import_urls line %s", row.line)
                failures.append(f"line {row.line}: {row.url}: unexpected error: {exc}")
                continue
            imported += 1
            self.stdout.write(f"line {row.line}: {row.url} -> {product} (photo {image.pk})")
        self.stdout.write(f"{imported} photo(s) imported, {len(failures)} failed.")
        for line in failures:
            self.stderr.write(f"bg_import_urls: {line}")
        if failures:
            sys.exit(2)
