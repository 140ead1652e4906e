"""`manage.py archive_inactive [--dry-run] [--days N]`: the archive task, run by hand."""

from django.core.management.base import BaseCommand

from cdm.access import SYSTEM
from customers.services import customer_archive_inactive


class Command(BaseCommand):
    help = "Archive customers with no activity, order, service request or edit for N days (default CDM_ARCHIVE_AFTER_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true", help="Report what would be archived; write nothing.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, days, dry_run, batch_size, **options):
        report = customer_archive_inactive(days=days, dry_run=dry_run, batch_size=batch_size, by=SYSTEM)
        if dry_run:
            self.stdout.write(f"Dry run: {report.candidates} customers inactive since before {report.cutoff:%Y-%m-%d} "
                              f"would be archived. First ones: {', '.join(report.sample) or '–'}")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Archived {report.archived} customers inactive since before {report.cutoff:%Y-%m-%d}."))
