"""Import rate: `manage.py import_customers` of a large customer file, beside a plain COPY of the same file and
beside the same import with identity matching off.

    DATABASE_URL=postgres://.../cdm_1m python bench/import_rate.py --rows 1000000 --runs 3

The file (made once, from a fixed seed, kept in var/bench/): `--rows` rows from a system "erp", the columns a
CRM export has (id, names, e-mail, phone, birth date, street, postcode, city, country):
- 90 % people CDM does not hold (the demo generator's people from index 5,000,000 on: the same name, street
  and phone pools as the stored customers, so their blocking keys meet the stored ones as a real file's do);
- 10 % customers CDM holds, as another system typed them (the demo's duplicate maker: a nickname, a typo in
  the family name, another phone format, an e-mail in capitals...): the import should queue them for review;
- 1 in 200 rows with a bad e-mail (left out, reported) and 1 in 500 without a family name (rejected).

Each run starts from the same database: a copy of DATABASE_URL's (CREATE DATABASE ... TEMPLATE, not timed),
dropped after. Timed, per run:
1. PostgreSQL `COPY` of the file into a plain table of text columns (no index, no constraint);
2. `manage.py import_customers FILE --source erp --team North --no-resolve` (matching off);
3. `manage.py import_customers FILE --source erp --team North` (everything: validation, normalisation,
   identity matching, history, events).
The command runs as in production (DEBUG off; bench/_common.PRODUCTION_ENV). Prints each run and the median of
the runs, in rows/s, with the ratios, and the load average.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import PRODUCTION_ENV, ROOT, context, load_average, print_figures, setup_django

COLUMNS = ("id", "given_name", "family_name", "email", "phone", "date_of_birth", "address_line1", "postal_code",
           "city", "country")
NEW_FROM = 5_000_000


def _file(rows: int, stored: int) -> Path:
    path = ROOT / "var" / "bench" / f"import-{rows}.csv"
    if path.exists():
        return path
    from customers.demo import Generator
    from customers.demo.setup import catalog_ensure, team_agents, teams_ensure

    teams = teams_ensure()
    gen = Generator(teams=teams, products=catalog_ensure(), agents=team_agents(teams))
    rng = random.Random(11)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    with open(part, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for k in range(rows):
            if rng.random() < 0.1:
                j = rng.randrange(stored)
                person = gen.duplicate(NEW_FROM + k, gen.person(j))
            else:
                person = gen.person(NEW_FROM + k)
            values = {c: person.get(c) or "" for c in COLUMNS}
            values["id"] = f"ERP-{k:07d}"
            if k % 200 == 7:
                values["email"] = str(values["email"]).replace("@", " at ") or "not an address"
            if k % 500 == 11:
                values["family_name"] = ""
            writer.writerow([values[c] for c in COLUMNS])
    part.rename(path)
    return path


def _admin():
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True), params


def _copy(path: Path) -> float:
    conn, _params = _admin()
    with conn:
        conn.execute("DROP TABLE IF EXISTS bench_plain_import")
        conn.execute("CREATE TABLE bench_plain_import (" + ", ".join(f"{c} text" for c in COLUMNS) + ")")
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY bench_plain_import FROM STDIN (FORMAT CSV, HEADER)") as copy:
            with open(path, "rb") as data:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_plain_import")
    return seconds


def _import(path: Path, template: str, resolve: bool) -> tuple[float, str]:
    """One import into a fresh copy of `template`: its seconds and the command's summary line."""
    conn, params = _admin()
    scratch = f"{template}_import_bench"
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + scratch
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        conn.execute("CHECKPOINT")
    command = [sys.executable, "manage.py", "import_customers", str(path), "--source", "erp", "--team", "North"]
    if not resolve:
        command.append("--no-resolve")
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": url}  # DEBUG off, the keys the data was written with
    try:
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode:
            sys.exit(f"bench: the import failed:\n{done.stderr[-3000:]}")
        summary = [line for line in done.stdout.splitlines() if " rows from " in line][-1]
    finally:
        with _admin()[0] as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from customers.models import Customer

    stored = Customer.objects.count()
    template = connection.settings_dict["NAME"]
    setting = context()
    path = _file(args.rows, stored)
    connection.close()  # a template must have no other connection
    runs = []
    for run in range(args.runs):
        copy = _copy(path)
        off, _summary_off = _import(path, template, resolve=False)
        full, summary = _import(path, template, resolve=True)
        runs.append((copy, off, full))
        print(f"run {run + 1}: COPY {copy:.1f} s, import without matching {off:.1f} s, import {full:.1f} s "
              f"(load {load_average()}); {summary}", flush=True)
    medians = [statistics.median(r[k] for r in runs) for k in range(3)]
    n = args.rows
    rows = [("", "seconds (median)", "rows/s", "x COPY", "runs (s)")]
    for k, label in enumerate(("PostgreSQL COPY into a plain table", "import_customers, matching off",
                               "import_customers, everything")):
        rows.append((label, f"{medians[k]:.1f}", f"{n / medians[k]:,.0f}", f"{medians[k] / medians[0]:.1f}x",
                     " / ".join(f"{r[k]:.1f}" for r in runs)))
    print_figures(f"Importing {n:,} customer rows into PostgreSQL holding {stored:,} customers "
                  f"(median of {args.runs} runs)", rows,
                  [*setting, ("matching's share", f"{(medians[2] - medians[1]) / medians[2]:.0%} of the import"),
                   ("last summary", summary), ("load average at the end", load_average())])


if __name__ == "__main__":
    main()
