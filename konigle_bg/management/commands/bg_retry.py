"""Hand the queue what waited for it (see konigle_bg.queue):

    manage.py bg_retry [--older-than MINUTES]

Tasks the broker refused (missing or down when a product was published) go to it now, then
photos and sellers' jobs pending for longer than MINUTES (default STALE_PENDING_MINUTES) are
queued again. A running qcluster does the same by itself (its scheduler, and the periodic
sweep every SWEEP_MINUTES). Exit status 1 while the broker still refuses.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from konigle_bg.conf import bg_settings
from konigle_bg.services.queueing import sweep


class Command(BaseCommand):
    help = (
        "Send the tasks that waited for the task queue (broker missing or down) to it now, and "
        "queue again the photos pending for too long."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            metavar="MINUTES",
            help="Queue again photos and jobs pending for longer than this "
            f"(default STALE_PENDING_MINUTES = {bg_settings.STALE_PENDING_MINUTES}).",
        )

    def handle(self, *args, older_than: float | None = None, **opts):
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more minutes.")
        report = sweep(older_than, send_waiting=True)
        if report.still_waiting:
            raise CommandError(
                f"The task queue still refuses tasks ({report.error}): {report.sent} sent, "
                f"{report.still_waiting} still waiting. Fix Q_CLUSTER or start the broker "
                "(`manage.py check` says what is wrong), then run bg_retry again."
            )
        self.stdout.write(
            f"{report.sent} waiting task(s) sent to the queue; {report.photos} photo(s) and "
            f"{report.jobs} job(s) pending too long queued again."
        )
