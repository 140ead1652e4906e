"""Service desk speed: search and 360° page p95 at two database sizes, side by side.

    python bench/service_desk.py --small postgres://.../cdm_10k --large postgres://.../cdm_1m

Each database must hold seed_demo data (the demo user `agent` works for team North only). For each
size the script measures, in-process through Django's test client (server time: middleware, view,
ORM, template; no network): the as-you-type search (htmx partial) for a mix of what callers give
(phone in national format, name fragment, customer-number prefix, e-mail), the 360° page, and the
same search as one hand-written SQL statement. It prints p50/p95, the 1M/10k ratio (goal ≤ 1.5) and
the view/SQL ratio (the ORM's and the view's overhead), plus SQL queries per page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_figures  # noqa: E402


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def hand_written_search(kind: str, q: str, c, team_ids: list[int]) -> tuple[str, list]:
    """The same search as one SQL statement: the agent's teams, active customers, the precise match
    conditions the view ranks (identifier exact, then name or number prefix, then name fragments),
    25 rows. What it leaves out is the view's work: rights, near misses, counting, rendering."""
    from customers.normalize import search_key

    if kind == "phone":  # normalised in Python, as the view does
        cond, rank, params = "phone = %s", "0::int", [c.phone]
    elif kind == "number":
        cond, rank, params = "customer_number LIKE %s", "CASE WHEN customer_number = %s THEN 0 ELSE 1 END", [q + "%", q]
    elif kind == "email":
        cond, rank, params = "email = %s OR email LIKE %s", "CASE WHEN email = %s THEN 0 ELSE 1 END", [q, q + "%", q]
    else:
        key = search_key(q)
        words = key.split(" ")
        spaced = "(' ' || search_name || ' ')"  # the expression of the trigram index (migration 0008)
        contains = " AND ".join([f"{spaced} LIKE %s"] * len(words))
        cond = f"{spaced} LIKE %s OR ({contains})"
        rank = f"CASE WHEN {spaced} LIKE %s THEN 1 ELSE 2 END"
        params = ["% " + key + "%", *("%" + w + "%" if len(w) >= 3 else "% " + w + "%" for w in words),
                  "% " + key + "%"]
    return (f"SELECT id, customer_number, given_name, family_name, city, country, date_of_birth, email, phone, "
            f"last_activity_at FROM customers_customer WHERE team_id = ANY(%s) AND status = 'active' AND ({cond}) "
            f"ORDER BY ({rank}), family_name, given_name, id LIMIT 26", [team_ids, *params])


def measure(samples: int) -> dict:
    from _common import setup_django

    setup_django()
    import phonenumbers
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from customers.models import Customer

    settings.DEBUG = False  # no query log in memory while timing
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    agent = get_user_model().objects.get(username="agent")
    team_ids = list(agent.groups.filter(team__isnull=False).values_list("team__id", flat=True))
    total = Customer.objects.count()
    rng = random.Random(7)
    with connection.cursor() as cursor:  # a random sample of the agent's active customers, cheaply
        cursor.execute("SELECT id FROM customers_customer TABLESAMPLE SYSTEM (%s) WHERE team_id = ANY(%s) "
                       "AND status = 'active' LIMIT %s", [min(100.0, 200_000 / max(total, 1)), team_ids, samples])
        ids = [r[0] for r in cursor.fetchall()]
    sample = list(Customer.objects.filter(pk__in=ids))
    rng.shuffle(sample)

    def query_for(i, c):
        kind = i % 4
        if kind == 0 and c.phone:
            number = phonenumbers.parse(c.phone)
            return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        if kind == 1 or not (c.email or c.phone):
            return "name", f"{c.family_name} {c.given_name[:2]}".strip()
        if kind == 2:
            return "number", c.customer_number[:6]
        return "email", c.email or c.customer_number

    client = Client()
    client.force_login(agent)
    for i, c in enumerate(sample[:5]):  # warm up: templates compiled, connections open
        client.get("/customers/", {"q": query_for(i, c)[1]}, HTTP_HX_REQUEST="true")
        client.get(c.get_absolute_url())
    searches, pages, sql, queries, by_kind, found = [], [], [], {}, {}, {}
    for i, c in enumerate(sample):
        kind, q = query_for(i, c)
        started = time.perf_counter()
        response = client.get("/customers/", {"q": q}, HTTP_HX_REQUEST="true")
        searches.append(time.perf_counter() - started)
        by_kind.setdefault(kind, []).append(searches[-1])
        assert response.status_code == 200
        found.setdefault(kind, []).append(c.customer_number in response.content.decode())
        started = time.perf_counter()
        response = client.get(c.get_absolute_url())
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200
        sql_text, params = hand_written_search(kind, q, c, team_ids)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql_text, params)
            cursor.fetchall()
        sql.append(time.perf_counter() - started)
    c = sample[0]
    with CaptureQueriesContext(connection) as ctx:
        client.get("/customers/", {"q": c.family_name}, HTTP_HX_REQUEST="true")
    queries["search"] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        client.get(c.get_absolute_url())
    queries["page"] = len(ctx.captured_queries)
    return {"customers": total, "samples": len(sample),
            "search_p50": p(searches, .5), "search_p95": p(searches, .95),
            "page_p50": p(pages, .5), "page_p95": p(pages, .95),
            "sql_p50": p(sql, .5), "sql_p95": p(sql, .95), "queries": queries,
            **{f"search_p95_{kind}": p(values, .95) for kind, values in by_kind.items()},
            **{f"found_{kind}": 100 * sum(hits) / len(hits) for kind, hits in found.items()},
            "mean_search": statistics.mean(searches) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", required=True, help="DATABASE_URL of the small database (e.g. 10,000 customers)")
    parser.add_argument("--large", required=True, help="DATABASE_URL of the large database (e.g. 1,000,000)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.samples)))
        return
    results = []
    for url in (args.small, args.large):
        out = subprocess.run([sys.executable, __file__, "--measure", "--small", "-", "--large", "-",
                              "--samples", str(args.samples)], env=os.environ | {"DATABASE_URL": url},
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    small, large = results
    rows = [("figure", f"{small['customers']:,} customers", f"{large['customers']:,} customers", "large / small")]
    for key, label in [("search_p50", "search p50 (ms)"), ("search_p95", "search p95 (ms)"),
                       *((f"search_p95_{kind}", f"  search p95, {kind} (ms)") for kind in ("phone", "name", "number", "email")),
                       ("page_p50", "360° page p50 (ms)"), ("page_p95", "360° page p95 (ms)"),
                       ("sql_p95", "hand-written SQL search p95 (ms)")]:
        rows.append((label, f"{small[key]:.1f}", f"{large[key]:.1f}", f"{large[key] / small[key]:.2f}"))
    rows.append(("caller on the first page: " + ", ".join(kind for kind in ("phone", "name", "number", "email")),
                 " / ".join(f"{small[f'found_{kind}']:.0f}%" for kind in ("phone", "name", "number", "email")),
                 " / ".join(f"{large[f'found_{kind}']:.0f}%" for kind in ("phone", "name", "number", "email")), ""))
    rows.append(("search view / hand SQL, p95", f"{small['search_p95'] / small['sql_p95']:.1f}",
                 f"{large['search_p95'] / large['sql_p95']:.1f}", ""))
    rows.append(("SQL queries: search / 360° page", f"{small['queries']['search']} / {small['queries']['page']}",
                 f"{large['queries']['search']} / {large['queries']['page']}", ""))
    print_figures(f"Service desk, agent of one team, {small['samples']} callers per size (server time)", rows,
                  [("targets", "search p95 <= 50 ms, 360° p95 <= 150 ms at 1,000,000; large/small <= 1.5")])


if __name__ == "__main__":
    main()
