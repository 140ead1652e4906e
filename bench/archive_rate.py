"""Archive rate: `customer_archive_inactive` beside one set-based SQL UPDATE of the same customers.

    DATABASE_URL=postgres://... python bench/archive_rate.py --customers 1000000

Seeds demo customers first if fewer than N exist (not timed). Then, per pass:

- realistic: `now` is now. The demo's customers signed up over six years and some went quiet long
  ago, so a realistic fraction has been inactive for CDM_ARCHIVE_AFTER_DAYS (default 3 years).
- full: `now` is ten years ahead, so every active customer is a candidate: the task over all of them.

each measures, on the same candidates:

1. the service's dry run (counts the candidates, writes nothing),
2. the service itself (`customers.services.customer_archive_inactive`: batches, row locks, one
   history row per customer),
3. the lower bound: one `UPDATE customers_customer SET status = 'archived' WHERE id IN (<the same
   candidate query>)`, no history, rolled back,

and prints customers/s and the ratio UPDATE / service. After each pass the archived customers are
made active again and their archive history rows deleted (not timed), so the database is left as
seeded and the benchmark can run again.
"""

from __future__ import annotations

import argparse
import datetime

from _common import Timer, context, print_figures, rate, setup_django

from cdm.access import SYSTEM

ARCHIVE_REASON_PREFIX = "archived:"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000,
                        help="demo customers the database must hold (seeded first if missing; default 1000000)")
    parser.add_argument("--passes", choices=["realistic", "full", "both"], default="both")
    parser.add_argument("--batch-size", type=int, default=1000, help="the service's batch size (default 1000)")
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from customers import demo
    from customers.models import Customer

    if Customer.objects.count() < args.customers:
        print(f"Seeding up to {args.customers:,} demo customers first (not timed)...", flush=True)
        demo.seed(customers=args.customers)
        connection.close()
    _vacuum()
    total = Customer.objects.count()
    days = settings.CDM_ARCHIVE_AFTER_DAYS
    passes = ["realistic", "full"] if args.passes == "both" else [args.passes]
    for name in passes:
        now = timezone.now() + (datetime.timedelta(days=3653) if name == "full" else datetime.timedelta())
        _pass(name, now, days, total, args.batch_size)


def _pass(name: str, now, days: int, total: int, batch_size: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from customers.models import Customer
    from customers.selectors import customers_inactive
    from customers.services import customer_archive_inactive

    setting = context()
    cutoff = now - datetime.timedelta(days=days)
    active = Customer.objects.filter(status=Customer.Status.ACTIVE).count()

    with Timer() as dry:
        dry_report = customer_archive_inactive(now=now, days=days, dry_run=True, by=SYSTEM)
    candidates = dry_report.candidates

    # The lower bound: the same candidates, one statement, no history; rolled back.
    sql, params = customers_inactive(cutoff=cutoff).values("pk").query.sql_with_params()
    table = connection.ops.quote_name(Customer._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        with Timer() as update:
            cursor.execute(f"UPDATE {table} SET status = %s WHERE id IN ({sql})", [Customer.Status.ARCHIVED, *params])
        updated = cursor.rowcount
        transaction.set_rollback(True)
    _vacuum()

    started = timezone.now()
    with Timer() as service:
        report = customer_archive_inactive(now=now, days=days, batch_size=batch_size, by=SYSTEM)
    archived = report.archived
    _restore(started)
    _vacuum()

    assert updated == candidates == archived, (updated, candidates, archived)
    print_figures(
        f"Archiving inactive customers, {name} pass: {candidates:,} of {total:,} customers inactive for "
        f"{days} days ({100 * candidates / max(total, 1):.1f} %)",
        [("", "customers", "seconds", "customers/s"),
         ("dry run (counts the candidates)", f"{active:,} scanned", f"{dry.seconds:.1f}", rate(active, dry.seconds)),
         (f"customer_archive_inactive, batches of {batch_size}", f"{archived:,}", f"{service.seconds:.1f}",
          rate(archived, service.seconds)),
         ("one set-based UPDATE, no history", f"{updated:,}", f"{update.seconds:.1f}", rate(updated, update.seconds)),
         ("ratio UPDATE / service", "", "", f"{service.seconds / update.seconds:.1f}x" if update.seconds else "-")],
        [*setting, ("now", f"{now:%Y-%m-%d %H:%M} UTC, cutoff {cutoff:%Y-%m-%d}")])


def _restore(since) -> None:
    """Undo an archive run: customers active again (version back), its history rows gone."""
    from django.db import connection, transaction

    from customers.models import Customer

    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    history = quote(Customer.history.model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} c SET status = %s, version = c.version - 1 FROM (SELECT DISTINCT id FROM {history} "
            f"WHERE history_date >= %s AND history_change_reason LIKE %s) h WHERE c.id = h.id AND c.status = %s",
            [Customer.Status.ACTIVE, since, ARCHIVE_REASON_PREFIX + "%", Customer.Status.ARCHIVED])
        cursor.execute(f"DELETE FROM {history} WHERE history_date >= %s AND history_change_reason LIKE %s",
                       [since, ARCHIVE_REASON_PREFIX + "%"])


def _vacuum() -> None:
    """Clear dead rows and refresh statistics between measurements (not timed)."""
    import psycopg
    from django.db import connection

    from customers.models import Customer

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        for model in (Customer, Customer.history.model):
            conn.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


if __name__ == "__main__":
    main()
