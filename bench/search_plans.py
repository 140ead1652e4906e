"""The search page's SQL for common names, as the view sends it and rewritten, timed side by side.

    DATABASE_URL=postgres://.../cdm_1m python bench/search_plans.py [--query smith --query thomas ...]

For each query: the statement customers.selectors.customer_list() builds for the demo `agent`, timed
(median of --repeat executions, EXPLAIN ANALYZE's execution time) as it is and rewritten in ways the
application could adopt, each returning the first page of 26 rows:

- as sent: what the view runs today;
- random_page_cost 1.1: the same statement with the planner told that a page read is as cheap as it
  is when the table is in memory (SET LOCAL; today's 4 is the spinning-disk default);
- team filter not indexed: `team_id + 0 IN (...)`, so the planner cannot AND the matches with the
  489,778-entry bitmap of the team's index;
- bounded candidates: the matching rows taken up to --candidates (no order: as the bitmap scan finds
  them), then ranked and sorted: a common name stops costing in proportion to its matches;
- no near-miss arms (the lexicon's corrections left out: customers.selectors.search._near_miss_condition
  replaced by one returning None, in this process only), as it would be when every typed word is known.

Nothing is changed in the database (every statement runs in a rolled-back transaction).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_average, plan_settings, print_figures, setup_django  # noqa: E402

RANK_ORDER = re.compile(r" ORDER BY .*$", re.DOTALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--query", action="append", help="queries (default: smith, thomas, smith jo, thomas he)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--candidates", type=int, default=500)
    args = parser.parse_args()
    queries = args.query or ["smith", "thomas", "smith jo", "thomas he"]
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from customers import selectors
    from customers.models import Customer

    agent = get_user_model().objects.get(username="agent")
    total = Customer.objects.count()

    def timed(sql, params, setup=()):
        """Median execution time (EXPLAIN ANALYZE, ms), planning time, rows and ids returned."""
        runs, plans = [], []
        for _ in range(args.repeat):
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in setup:
                    cursor.execute(statement)
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
                runs.append(plan["Execution Time"])
                plans.append(plan["Planning Time"])
                cursor.execute(sql, params)
                ids = [row[0] for row in cursor.fetchall()]
                transaction.set_rollback(True)
        return statistics.median(runs), statistics.median(plans), ids

    rows = [("query: variant", "execution ms", "planning ms", "rows", "same page")]
    for query in queries:
        qs = selectors.customer_list(user=agent, query=query).select_related(None)[:26]  # PeekPage: 25 + 1
        sql, params = qs.query.sql_with_params()
        base = timed(sql, params)
        variants = {"as sent": (sql, params, ())}
        variants["random_page_cost 1.1"] = (sql, params, ("SET LOCAL random_page_cost = 1.1",))
        unindexed = sql.replace('"customers_customer"."team_id" IN (', '("customers_customer"."team_id" + 0) IN (', 1)
        variants["team filter not indexed (team_id + 0)"] = (unindexed, params, ())
        inner = RANK_ORDER.sub("", sql)
        order = re.sub(r'"[a-z_]+"\."', '"', RANK_ORDER.search(sql).group(0))
        bounded = f"SELECT * FROM ({inner} LIMIT {args.candidates}) AS candidates{order}"
        variants[f"bounded: first {args.candidates} matches, then ranked"] = (bounded, params, ())
        variants["bounded + team not indexed"] = (
            bounded.replace('"customers_customer"."team_id" IN (', '("customers_customer"."team_id" + 0) IN (', 1),
            params, ())
        from customers.selectors import search

        near_miss, search._near_miss_condition = search._near_miss_condition, lambda key: None
        try:
            plain = selectors.customer_list(user=agent, query=query).select_related(None)[:26].query.sql_with_params()
        finally:
            search._near_miss_condition = near_miss
        variants["no near-miss arms"] = (*plain, ())
        plain_bounded = f"SELECT * FROM ({RANK_ORDER.sub('', plain[0])} LIMIT {args.candidates}) AS candidates" + \
            re.sub(r'"[a-z_]+"\."', '"', RANK_ORDER.search(plain[0]).group(0))
        variants["no near-miss + bounded + team not indexed"] = (plain_bounded.replace(
            '"customers_customer"."team_id" IN (', '("customers_customer"."team_id" + 0) IN (', 1), plain[1], ())
        for name, (s, p, setup) in variants.items():
            result = base if name == "as sent" else timed(s, p, setup)
            same = "yes" if result[2] == base[2] else f"{len(set(result[2]) & set(base[2]))} of {len(base[2])}"
            rows.append((f"{query!r}: {name}", f"{result[0]:.1f}", f"{result[1]:.1f}", str(len(result[2])), same))
    s = plan_settings()
    print_figures(f"Search page SQL for common names, {total:,} customers, agent of team North, median of "
                  f"{args.repeat}", rows, [("load average", load_average()),
                                           ("PostgreSQL", ", ".join(f"{k} {v}" for k, v in s.items()))])


if __name__ == "__main__":
    main()
