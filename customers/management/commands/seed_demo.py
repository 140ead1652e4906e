"""`manage.py seed_demo --customers N`: realistic demo data (see customers/demo/). Safe to run twice.

On PostgreSQL the rows go in with COPY, from `--workers` processes; elsewhere with bulk inserts.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cdm.access import SYSTEM
from customers import demo, imports, services
from customers.models import AutoMergeRule, ImportJob

# One small finished import for the stewards' import page: two rows rejected, one value left out.
DEMO_IMPORT = """id;First name;Surname;E-mail;Phone;Date of birth;City;Country
NL-1001;Sanne;de Vries;sanne.devries@example.nl;+31 20 555 0101;1988-04-12;Amsterdam;NL
NL-1002;Daan;Bakker;daan.bakker@example.nl;;1979-11-30;Utrecht;NL
NL-1003;Lotte;Visser;lotte@@example.nl;+31 30 555 0199;;Utrecht;NL
NL-1004;;;nobody@example.nl;;;Rotterdam;NL
NL-1005;Bram;Smit;bram.smit@example.nl;;31/02/1990;Eindhoven;NL
NL-1006;Emma;;;;;Den Haag;NL
"""


class Command(BaseCommand):
    help = ("Create N realistic demo customers (multi-country, ~5 % planted duplicates) with orders, products, "
            "service requests, activity, notes and feedback, plus one demo login per role when DEBUG is on. "
            "Idempotent: a second run with the same N adds nothing; a larger N adds only the missing customers.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=5000, help="How many demo customers should exist (default 5000).")
        parser.add_argument("--batch-size", type=int, default=1000,
                            help="Customers per transaction (default 1000).")
        parser.add_argument("--workers", type=int, default=None,
                            help="PostgreSQL only: processes generating and copying batches side by side "
                                 f"(default: one per core, at most 4; here {demo.default_workers()}).")
        parser.add_argument("--no-scan", action="store_true",
                            help="Do not scan for duplicates afterwards (the review queue stays as it was).")

    def handle(self, *args, customers, batch_size, workers, no_scan=False, **options):
        if customers < 0:
            raise CommandError("--customers cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        verbose = options["verbosity"] >= 1
        started = time.monotonic()
        result = demo.seed(customers=customers, batch_size=batch_size, workers=workers,
                           log=(lambda message: self.stdout.write(message)) if verbose else None)
        elapsed = time.monotonic() - started
        out = self.stdout.write
        out("")
        how = (f"COPY, {result.workers} worker{'s' if result.workers > 1 else ''}" if result.method == "copy"
               else "bulk inserts")
        out(self.style.SUCCESS(
            f"Demo data: {result.created} customers created ({result.duplicates} planted duplicates, "
            f"{result.moved} moved house), {result.skipped} already there and skipped, in {elapsed:.1f} s ({how})."))
        if result.rows:
            out("Rows created: " + ", ".join(f"{name} {count}" for name, count in result.rows.items()))
        if result.dropped:
            out("Invalid values left out: " + ", ".join(f"{name} {count}" for name, count in result.dropped.items()))
        # An automatic merge rule to look at in the admin, inactive as every rule starts: the queue stays the stewards'.
        if not AutoMergeRule.objects.exists():
            services.auto_merge_rule_save(instance=AutoMergeRule(
                name="Same national ID, names and birth date agreeing", identifier=AutoMergeRule.Identifier.NATIONAL_ID,
                min_score=0.999, active=False), by=SYSTEM)
        if not no_scan:
            # The planted duplicates go to the stewards' review queue, as the scheduled scan would put them.
            scan = services.duplicates_scan(full=True, retrain=True, by=SYSTEM)
            out(scan.summary())
        # Scores, a vocabulary, verified contacts and a trend for the quality dashboard (customers/demo/quality.py).
        from customers.demo.quality import quality_demo_ensure

        quality_demo_ensure(log=out)
        from customers.demo.webhooks import webhook_demo_ensure

        webhook_demo_ensure(log=out)
        from customers.demo.api import sync_demo_ensure

        sync_demo_ensure(log=out)
        if result.users_skipped:
            out(self.style.WARNING(
                "DEBUG is off: demo users are never created with DEBUG off (their password is public). "
                "Create real accounts with `manage.py createsuperuser` and the admin."))
            return
        # The demo steward's one finished import, to look at on the import page (after the demo users: it is theirs).
        _demo_import(out)
        # Agents and marketers work on the service pages; stewards and admins start in the admin.
        headers = ("username", "role", "team", "start at")
        rows = [(u.username, u.role, u.team or "all teams", demo.start_url(u.role)) for u in result.users]
        widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
        out("")
        out(f"Demo logins (password: {demo.demo_password()}):")
        line = "  ".join("{:<%d}" % w for w in widths)
        out("  " + line.format(*headers).rstrip())
        out("  " + line.format(*("-" * w for w in widths)))
        for row in rows:
            out("  " + line.format(*row).rstrip())
        _print_demo_tokens(out)


def _print_demo_tokens(out) -> None:
    """The demo integrations' API tokens, new at every seed (customers/demo/api.py)."""
    from customers.demo.api import api_demo_ensure

    issued = api_demo_ensure()
    if not issued:
        return
    out("")
    out("Demo API tokens (shown once; every seed issues new ones). Try:")
    for spec, raw in issued:
        scope = f"team {spec.team}" if spec.team else "all teams"
        out(f"  {spec.name} ({spec.role}, {scope}, system \"{spec.system}\"): {raw}")
    base = (getattr(settings, "CDM_PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    out(f'  curl -H "Authorization: Bearer {issued[0][1]}" "{base}/api/v1/customers/?q=smith"')
    out(f"  The API's documentation: {base}/api/docs/")


def _demo_import(out) -> None:
    """Idempotent: the newsletter file is imported once, through the same services as a steward's upload."""
    from cdm.models import Team
    from django.contrib.auth import get_user_model

    if ImportJob.objects.filter(source__name="newsletter").exists() or not Team.objects.exists():
        return
    by = get_user_model().objects.filter(username="steward").first() or SYSTEM
    job = imports.import_job_create(by=by, file_name="newsletter-signups.csv", content=DEMO_IMPORT.encode("cp1252"),
                                    source="newsletter", kind="customers", team=Team.objects.order_by("name").first())
    job = imports.import_job_map(job=job, mapping=job.mapping, by=by)
    imports.import_job_start(job=job, by=by, queue=False)
    job = imports.import_job_run(job_id=job.pk, by=by)
    c = job.counts
    out(f"Demo import {job.file_name}: {c.get('created', 0) + c.get('matched', 0)} created, "
        f"{c.get('rejected', 0)} rejected (see Imports).")
