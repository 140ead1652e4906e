"""`manage.py export_duplicates OUT.csv [--min-score P]`: the open duplicate candidates as a CSV file."""

import csv

from django.core.management.base import BaseCommand, CommandError

from cdm.access import SYSTEM
from customers import selectors
from customers.identity.model import MATCH_THRESHOLD


class Command(BaseCommand):
    help = ("Write one row per open duplicate candidate pair (every pair of a cluster) scored at or above the default "
            "match threshold, or --min-score: both customer numbers, their external IDs per system, score, reasons.")

    def add_arguments(self, parser):
        parser.add_argument("out", help="The CSV file to write ('-' for standard output).")
        parser.add_argument("--min-score", type=float, default=MATCH_THRESHOLD,
                            help=f"Lowest match probability, 0-1 (default {MATCH_THRESHOLD}).")

    def handle(self, *args, out, min_score, **options):
        if not 0 <= min_score <= 1:
            raise CommandError("--min-score must be between 0 and 1.")
        rows = selectors.duplicate_candidates_export(user=SYSTEM, min_score=min_score)
        handle = self.stdout if out == "-" else open(out, "w", newline="", encoding="utf-8")
        try:
            writer = csv.writer(handle)
            writer.writerow(["cluster", "customer_a", "customer_b", "external_ids_a", "external_ids_b", "score",
                             "reasons", "cross_team", "origin"])
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        finally:
            if handle is not self.stdout:
                handle.close()
        if out != "-":
            self.stdout.write(self.style.SUCCESS(f"{count} candidate pairs written to {out}."))
