"""Seeding rate: `seed_demo`'s PostgreSQL path beside a plain COPY of the very same rows.

    DATABASE_URL=postgres://... python bench/seed_rate.py --customers 100000

1. Seeds N more demo customers (customers/demo.py: generation, normalisation, encryption, COPY into
   the real tables with their indexes, constraints and history) and counts the rows it added.
2. Copies exactly those rows out (binary COPY TO) and times loading them with binary COPY FROM into
   plain tables of the same columns: no index, constraint, trigger or generation. Loaded by as many
   connections as the seeder had workers, each a share of every table, one transaction each.
3. Prints both rates in rows/s and their ratio (how far seeding is from the bare COPY of its output).

The seeded rows stay (a later run adds N more); the plain tables are dropped.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from pathlib import Path

from _common import Timer, context, print_figures, rate, setup_django, table_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000, help="demo customers to add (default 100000)")
    parser.add_argument("--workers", type=int, default=None, help="seeding processes and COPY connections "
                        "(default: the seeder's default, one per core up to 4)")
    parser.add_argument("--batch-size", type=int, default=1000, help="customers per seeding transaction")
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from customers import demo
    from customers.models import Customer, ExternalIdentity

    workers = args.workers or demo.default_workers()
    models = [t.model for t in demo.TABLES]
    models[1:1] = [m.history.model for m in models if hasattr(m, "history")]
    before = {m: _max_pk(m) for m in models}
    counts = {m: table_count(m) for m in models}
    have = ExternalIdentity.objects.filter(system=demo.DEMO_SYSTEM).count()
    setting = context()

    with Timer() as seeding:
        result = demo.seed(customers=have + args.customers, batch_size=args.batch_size, workers=workers)
    connection.close()  # the seeder forked: start afresh
    added = {m: table_count(m) - counts[m] for m in models}
    rows = sum(added.values())

    with tempfile.TemporaryDirectory(prefix="cdm-bench-") as tmp:
        files = _dump(models, before, workers, Path(tmp))
        copied, copying = _load(models, files, workers)
    assert copied == rows, (copied, rows)

    customers = result.created
    print_figures(
        f"Seeding {customers:,} demo customers ({rows:,} rows in {len(models)} tables) beside a plain COPY of the same rows",
        [("", "rows", "seconds", "rows/s", "customers/s"),
         (f"seed_demo, COPY path, {result.workers} workers", f"{rows:,}", f"{seeding.seconds:.1f}",
          rate(rows, seeding.seconds), rate(customers, seeding.seconds)),
         (f"plain COPY FROM, {workers} connections", f"{copied:,}", f"{copying.seconds:.1f}",
          rate(copied, copying.seconds), rate(customers, copying.seconds)),
         ("ratio plain COPY / seed_demo", "", "", f"{seeding.seconds / copying.seconds:.1f}x", "")],
        [*setting, ("rows per customer", ", ".join(f"{m._meta.db_table.removeprefix('customers_')} "
                                                   f"{added[m] / max(customers, 1):.2f}" for m in models)),
         ("demo customers now", f"{Customer.objects.count():,} customers "
                                 f"({result.skipped:,} were there, {result.created:,} added)")])


def _max_pk(model) -> int:
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max({quote(model._meta.pk.column)}), 0) FROM {quote(model._meta.db_table)}")
        return cursor.fetchone()[0]


def _dump(models, before: dict, shares: int, folder: Path) -> dict:
    """The rows added to each table, in binary COPY format, split into `shares` files."""
    from django.db import connection

    quote = connection.ops.quote_name
    files = {}
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        for model in models:
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            for k in range(shares):
                path = folder / f"{model._meta.db_table}.{k}"
                with open(path, "wb") as out, cursor.copy(
                        f"COPY (SELECT * FROM {table} WHERE {pk} > %s AND {pk} %% %s = %s) TO STDOUT (FORMAT BINARY)",
                        [before[model], shares, k]) as copy:
                    for data in copy:
                        out.write(data)
                files[model, k] = path
    return files


def _plain(model) -> str:
    return f"bench_plain_{model._meta.db_table}"


def _load(models, files: dict, shares: int) -> tuple[int, Timer]:
    """COPY FROM into plain tables, timed (creating them first and dropping them after is not)."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    quote = connection.ops.quote_name
    with psycopg.connect(**params, autocommit=True) as admin:
        for model in models:
            admin.execute(f"DROP TABLE IF EXISTS {quote(_plain(model))}")
            # LIKE without INCLUDING: same columns and types, NOT NULL only; no index, default or key.
            admin.execute(f"CREATE TABLE {quote(_plain(model))} (LIKE {quote(model._meta.db_table)})")
    counts = [0] * shares
    errors = []

    def load(k: int, conn) -> None:
        try:
            with conn.transaction(), conn.cursor() as cursor:
                for model in models:
                    with cursor.copy(f"COPY {quote(_plain(model))} FROM STDIN (FORMAT BINARY)") as copy, \
                            open(files[model, k], "rb") as data:
                        while chunk := data.read(1 << 20):
                            copy.write(chunk)
                    counts[k] += cursor.rowcount
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    connections = [psycopg.connect(**params) for _ in range(shares)]  # connected before the clock starts
    try:
        threads = [threading.Thread(target=load, args=(k, c)) for k, c in enumerate(connections)]
        with Timer() as copying:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        for c in connections:
            c.close()
        with psycopg.connect(**params, autocommit=True) as admin:
            for model in models:
                admin.execute(f"DROP TABLE IF EXISTS {quote(_plain(model))}")
    if errors:
        raise errors[0]
    return sum(counts), copying


if __name__ == "__main__":
    main()
