"""Apply the retention policy to derived files (see konigle_bg.services.retention):

    manage.py bg_prune [--dry-run] [--keep N]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from konigle_bg import services
from konigle_bg.conf import bg_settings


class Command(BaseCommand):
    help = (
        "Delete derived files the retention policy does not keep: per photo the active "
        "variant, the latest KEEP_VARIANTS others and the cut-outs they need stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be freed; change nothing."
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help=f"Latest variants kept per photo besides the active one "
            f"(default KEEP_VARIANTS = {bg_settings.KEEP_VARIANTS}).",
        )

    def handle(self, *args, dry_run: bool = False, keep: int | None = None, **opts):
        try:
            report = services.prune(keep=keep, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Would free" if dry_run else "Freed"
        self.stdout.write(
            f"{verb} {report.files} file(s), {report.bytes} bytes "
            f"({filesizeformat(report.bytes)}): {report.variants} older result file(s), "
            f"{report.cutouts} unused cut-out(s) with {report.history} history entr(ies)."
        )
        if opts.get("verbosity", 1) > 1:
            for name in report.names:
                self.stdout.write(f"  {name}")
