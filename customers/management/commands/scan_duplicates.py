"""`manage.py scan_duplicates [--full] [--retrain]`: the duplicate scan the scheduler runs, by hand."""

from django.core.management.base import BaseCommand

from cdm.access import SYSTEM
from customers import services


class Command(BaseCommand):
    help = ("Compare new and changed customers with everyone (or, with --full, every customer with every other "
            "sharing a blocking key) and write duplicate candidates for the stewards' review queue.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Scan every customer, not only the changed ones.")
        parser.add_argument("--retrain", action="store_true",
                            help="With --full: learn the match weights again from the data and the stewards' decisions.")

    def handle(self, *args, full, retrain, **options):
        result = services.duplicates_scan(full=full, retrain=retrain, by=SYSTEM)
        self.stdout.write(self.style.SUCCESS(result.summary()))
        skipped = {k: v for k, v in result.skipped_blocks.items() if v}
        if skipped:
            self.stdout.write("Blocks too large to compare (a key shared by too many customers): " +
                              ", ".join(f"{k} {v}" for k, v in skipped.items()))
        if options["verbosity"] >= 2:
            self.stdout.write("Seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
