"""Merge and undo: a customer holding 1,000 transactional rows merged into another, then the merge undone.

    python bench/merge_undo.py                                   # SQLite, a file of its own (var/bench_merge.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:55499/cdm_merge_bench python bench/merge_undo.py

The absorbed customer holds `--rows` rows (default 1,000) in equal parts: orders (each with two lines),
activities, notes and service requests. The pair is made once (not timed; bulk inserts) and kept for the
next run. Each run is `customers_merge` (every row moves, the survivor's fields, history, candidates,
profiles, audit and the undo snapshot with a digest per row) and then `merge_undo` (every digest checked,
every row moved back); after each undo the rows are counted back on the absorbed record. Prints the median
of `--runs` runs (default 3) of each, with every run's figure and the load average. Targets: merge <= 1 s,
undo <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_merge.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
os.environ.setdefault("DEBUG", "1")

from _common import Timer, load_average, print_figures

MARK = "bench merge_undo"  # source_detail of the pair, so a later run finds it again


def _database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), current_database()")
            version, name = cursor.fetchone()
        return f"PostgreSQL {version} (database {name})"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} ({connection.settings_dict['NAME']})"


def _pair(rows: int):
    """The survivor and the absorbed customer holding `rows` rows: found again, or made (bulk, not timed)."""
    import datetime

    from django.utils import timezone

    from cdm.access import SYSTEM
    from cdm.models import Team
    from cdm.services import team_create
    from customers import services
    from customers.models import Activity, Customer, Note, Order, OrderLine, ServiceRequest

    found = list(Customer.objects.filter(source_detail=f"{MARK} {rows}", status="active").order_by("pk")[:2])
    if len(found) == 2:
        return found
    team = Team.objects.filter(slug="bench-merge").first() or team_create(name="Bench merge", by=SYSTEM)
    survivor = services.customer_create(by=SYSTEM, team=team, given_name="Ada", family_name="Lovelace",
                                        email="ada.bench@example.com", source_detail=f"{MARK} {rows}")
    absorbed = services.customer_create(by=SYSTEM, team=team, given_name="Augusta Ada", family_name="Lovelace",
                                        email="augusta.bench@example.com", phone="+1 202 555 0199",
                                        source_detail=f"{MARK} {rows}")
    now, part = timezone.now(), rows // 4
    stamp = f"{absorbed.pk}-{now:%H%M%S%f}"
    orders = Order.objects.bulk_create([
        Order(customer=absorbed, order_number=f"B{stamp}-{i}", placed_at=now - datetime.timedelta(days=i),
              total_amount=20) for i in range(part)])
    OrderLine.objects.bulk_create([OrderLine(order=o, sku=f"SKU-{k}", description="Router", unit_price=10,
                                             line_total=10) for o in orders for k in range(2)])
    Activity.objects.bulk_create([Activity(customer=absorbed, kind="visit", occurred_at=now, source="web",
                                           properties={"url": f"https://example.com/{i}"}) for i in range(part)])
    Note.objects.bulk_create([Note(customer=absorbed, body=f"Call {i}", created_at=now) for i in range(part)])
    ServiceRequest.objects.bulk_create([
        ServiceRequest(customer=absorbed, reference=f"R{stamp}-{i}"[:20], subject=f"Request {i}", opened_at=now)
        for i in range(rows - 3 * part)])
    return [survivor, absorbed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="transactional rows of the absorbed customer")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a no-op on a migrated database

    from cdm.access import SYSTEM
    from customers import services
    from customers.services.merge.relations import counts

    survivor, absorbed = _pair(args.rows)
    held = counts([absorbed.pk])
    merges, undos = [], []
    for _run in range(args.runs):
        with Timer() as merge_time:
            merge = services.customers_merge(survivor=survivor, absorbed=[absorbed], by=SYSTEM, reason="benchmark")
        moved = sum(len(rows) for by_field in merge.snapshot["rows"].values() for rows in by_field.values())
        with Timer() as undo_time:
            services.merge_undo(merge=merge, by=SYSTEM, reason="benchmark")
        if counts([absorbed.pk]) != held or moved != sum(held.values()):
            sys.exit(f"bench: rows not back after undo: {counts([absorbed.pk])} != {held}")
        merges.append(merge_time.seconds)
        undos.append(undo_time.seconds)

    def row(name, times, target):
        median = statistics.median(times)
        return (name, f"{median * 1000:,.0f} ms", " / ".join(f"{t * 1000:,.0f}" for t in times),
                f"<= {target} s", "met" if median <= target else "MISSED")

    print_figures(
        f"Merge and undo of a customer holding {sum(held.values()):,} rows ({', '.join(f'{m} {n}' for m, n in held.items())})",
        [("step", "median", "runs (ms)", "target", ""), row("customers_merge", merges, 1), row("merge_undo", undos, 1)],
        [("database", _database()), ("machine", f"{os.cpu_count()} cores, load average {load_average()}")])


if __name__ == "__main__":
    main()
