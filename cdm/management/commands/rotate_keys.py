"""`manage.py rotate_keys`: re-encrypt with the current keys what older keys wrote (resumable)."""

from django.core.management.base import BaseCommand, CommandError

from cdm.crypto import verify_keys
from cdm.services import encryption_keys_rotate


class Command(BaseCommand):
    help = ("Re-encrypt every encrypted column (history included) with the current SECRET_KEY/CRYPTOGRAPHY_KEY and "
            "rebuild blind indexes with the current CDM_BLIND_INDEX_KEY. The old keys must be listed in "
            "SECRET_KEY_FALLBACKS, CRYPTOGRAPHY_KEY_FALLBACKS and CDM_BLIND_INDEX_KEY_FALLBACKS. Works in "
            "batches that commit one by one: if interrupted, run it again.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        log = self.stdout.write if options["verbosity"] >= 2 else None
        report = encryption_keys_rotate(batch_size=batch_size, log=log)
        for table, counts in report.per_table.items():
            self.stdout.write(f"{table}: {counts['rows']} rows, {counts['reencrypted']} values re-encrypted, "
                              f"{counts['reindexed']} blind indexes rebuilt")
        self.stdout.write(self.style.SUCCESS(
            f"Done: {report.rows} rows checked, {report.reencrypted} values re-encrypted, "
            f"{report.reindexed} blind indexes rebuilt."))
        if report.unreadable:
            raise CommandError(f"{report.unreadable} values could not be opened with the current or fallback keys: "
                               "list the keys they were written with in the *_FALLBACKS settings and run again.")
        problems = verify_keys()
        if problems:
            raise CommandError(" ".join(problems))
        self.stdout.write("The old keys can now be removed from the *_FALLBACKS settings.")
