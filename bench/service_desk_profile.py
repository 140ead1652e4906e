"""Where a service-desk request's time goes: SQL queries (each timed), Python by area, the slowest plans.

    DATABASE_URL=postgres://.../cdm_1m python bench/service_desk_profile.py [--repeat 30] [--explain]

In process, through Django's test client as the demo `agent` (DEBUG off while timing), for: the
cheapest authenticated page (the live poll /customers/<n>/version/, the per-request floor), name
searches ("smith", "thomas", a family name + 2 letters, the name callers of bench/callers-<size>.json)
and the 360° page. For each: the median request time, split into SQL (every query timed by
`connection.execute_wrapper`, so the time includes the driver's round trip) and Python; the queries
one by one (median ms, what they are); Python time by area (cProfile, self time summed per package);
and with --explain, EXPLAIN (ANALYZE, BUFFERS) of the slowest query of each request.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_average, plan_settings, setup_django  # noqa: E402

HERE = Path(__file__).resolve().parent


class QueryLog:
    """connection.execute_wrapper: every query's SQL, parameters and time."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - started))


def label(sql: str) -> str:
    """A short name for a query: its table(s) and what it is for."""
    s = sql
    tables = re.findall(r'FROM "([a-z_]+)"', s) + re.findall(r'JOIN "([a-z_]+)"', s)
    first = re.search(r"\w+", s).group(0).upper()
    hints = []
    if "django_session" in s:
        hints.append("session")
    if "UNION" in s and "auth_group" in s:
        hints.append("roles + object rights (_load_rights)")
    elif "auth_permission" in s and "auth_user_user_permissions" in s:
        hints.append("user permissions (ModelBackend)")
    elif "auth_permission" in s and "auth_group_permissions" in s:
        hints.append("group permissions (ModelBackend)")
    elif '"auth_user"' in s and "WHERE \"auth_user\".\"id\"" in s and first == "SELECT" and len(tables) == 1:
        hints.append("user (AuthenticationMiddleware)")
    if "customers_searchword" in s:
        hints.append("lexicon: near-miss corrections")
    if "search_name" in s and "customers_customer" in s and "LIKE" in s:
        hints.append("customer search page (LIMIT 26)")
    name = first + " " + ", ".join(dict.fromkeys(tables))[:70]
    return name + (f"  [{'; '.join(hints)}]" if hints else "")


def profile_areas(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time per area, in seconds, over all profiled calls."""
    areas = [
        ("psycopg (driver, incl. waiting for PostgreSQL)", ("psycopg",)),
        ("django.template (rendering)", ("django/template", "django/templatetags", "templatetags")),
        ("django.db.models (ORM: building, compiling, rows to objects)", ("django/db/models",)),
        ("django.db.backends (cursor wrappers)", ("django/db/backends", "django/db/utils")),
        ("django.contrib.auth / sessions / messages", ("django/contrib/auth", "django/contrib/sessions",
                                                        "django/contrib/messages")),
        ("django.core.signing / crypto / hashers", ("django/core/signing", "django/utils/crypto")),
        ("django (other: urls, http, middleware, utils)", ("django/",)),
        ("cdm/ (platform code)", ("/cdm/",)),
        ("customers/, consent/ (app code)", ("/customers/", "/consent/")),
        ("other libraries (csp, htmx, guardian, phonenumbers...)", ("site-packages",)),
        ("Python stdlib / builtins", ("",)),
    ]
    totals = {name: 0.0 for name, _ in areas}
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        for name, prefixes in areas:
            if any(p in filename for p in prefixes):
                totals[name] += tt
                break
    return sorted(totals.items(), key=lambda kv: -kv[1])


# Functions whose cumulative time tells where a request's time goes (file part, function name).
MARKERS = [
    ("django/core/handlers/base.py", "_get_response"),  # view + template response, inside all middleware
    ("csp/middleware.py", "process_response"),
    ("django/contrib/sessions/backends/db.py", "load"),
    ("django/contrib/sessions/backends/db.py", "save"),
    ("django/contrib/auth/__init__.py", "get_user"),
    ("django/contrib/auth/base_user.py", "get_session_auth_hash"),
    ("django/contrib/auth/backends.py", "get_all_permissions"),
    ("django/contrib/auth/backends.py", "_get_permissions"),
    ("django/contrib/auth/models.py", "has_perm"),
    ("guardian/backends.py", "has_perm"),
    ("axes/backends.py", "has_perm"),
    ("cdm/access.py", "_load_rights"),
    ("cdm/querysets.py", "restrict"),
    ("django/shortcuts.py", "render"),
    ("django/template/backends/django.py", "render"),
    ("django/template/loader.py", "get_template"),
    ("django/db/models/sql/compiler.py", "as_sql"),
    ("django/db/models/sql/compiler.py", "execute_sql"),
    ("django/db/models/query.py", "__iter__"),
    ("django/db/backends/utils.py", "execute"),
    ("psycopg/cursor.py", "execute"),
    ("django/urls/resolvers.py", "resolve"),
    ("django/middleware/csrf.py", "process_response"),
    ("simple_history/middleware.py", "middleware"),
]


def _interesting(stats: pstats.Stats, top: int):
    """The MARKERS, then the app's own functions (cdm/, customers/, consent/) by cumulative time."""
    rows = stats.stats.items()
    marked = [(k, v) for k, v in rows if any(k[0].endswith(f) and k[2] == n for f, n in MARKERS)]
    app = [(k, v) for k, v in rows if any(p in k[0] for p in ("/cdm/", "/customers/", "/consent/"))
           and "middleware" not in k[0] and (k, v) not in marked]
    return sorted(marked, key=lambda kv: -kv[1][3]) + sorted(app, key=lambda kv: -kv[1][3])[:top]


def _cache_rights(agent) -> None:
    """Hand every user object loaded for `agent` the rights cdm.access and ModelBackend would load: what a
    per-session cache (with invalidation when rights change) would save. Patches django.contrib.auth.get_user
    in this process; nothing is stored."""
    import copy

    from django.contrib import auth
    from django.contrib.auth.backends import ModelBackend

    from cdm import access

    ready = {"_cdm_rights": copy.deepcopy(access._load_rights(agent))}
    ModelBackend().get_all_permissions(agent)
    ready |= {name: set(getattr(agent, name)) for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache")}
    original = auth.get_user

    def get_user(request):
        user = original(request)
        if user.pk == agent.pk:
            for name, value in ready.items():
                setattr(user, name, copy.copy(value))
        return user

    auth.get_user = get_user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per kind (default 30)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slowest query of each")
    parser.add_argument("--top", type=int, default=25, help="functions to list per request from cProfile (cumulative)")
    parser.add_argument("--cached-rights", action="store_true", help="what-if: the agent's rights and model "
                        "permissions come ready with the user (as a per-session cache would give them), in this "
                        "process only: no rights or permission query, no building of them")
    parser.add_argument("--only", action="append", help="run only the cases whose title contains this")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from customers.models import Customer

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    total = Customer.objects.count()
    size = f"{total // 1_000_000}m" if total >= 1_000_000 else f"{round(total / 1000)}k"
    sample = json.loads((HERE / f"callers-{size}.json").read_text())
    callers = sample["callers"]
    agent = get_user_model().objects.get(username="agent")
    client = Client()
    client.force_login(agent)
    hx = {"HX-Request": "true"}
    poll = {"HX-Request": "true", "X-CDM-Background": "1"}
    names = [c for c in callers if c["kind"] == "name"]
    cases = {
        "floor: /customers/<n>/version/ (live poll)": lambda i: (
            f"/customers/{callers[i % len(callers)]['customer_number']}/version/", {"v": callers[i % len(callers)]["version"]}, poll),
        "search 'smith'": lambda i: ("/customers/", {"q": "smith"}, hx),
        "search 'thomas'": lambda i: ("/customers/", {"q": "thomas"}, hx),
        "search 'smith jo' (family name + 2 letters)": lambda i: ("/customers/", {"q": "smith jo"}, hx),
        "search: the sample's name callers": lambda i: ("/customers/", {"q": names[i % len(names)]["q"]}, hx),
        "360° page": lambda i: (f"/customers/{callers[i % len(callers)]['customer_number']}/", None, {}),
    }
    if args.cached_rights:
        _cache_rights(agent)
    if args.only:
        cases = {t: c for t, c in cases.items() if any(o in t for o in args.only)}
    print(f"Where the time goes{' (what-if: rights cached per session)' if args.cached_rights else ''}: {total:,} customers, agent of team North, {args.repeat} requests per kind, "
          f"in process (test client, DEBUG off)")
    print(f"load average {load_average()}; PostgreSQL {json.dumps(plan_settings())}")
    for path, params, headers in (case(0) for case in cases.values()):  # warm up
        for _ in range(3):
            client.get(path, params, headers=headers)
    for title, case in cases.items():
        totals, sql_totals, per_query = [], [], {}
        slowest = (0.0, None, None)
        for i in range(args.repeat):
            path, params, headers = case(i)
            log = QueryLog()
            started = time.perf_counter()
            with connection.execute_wrapper(log):
                response = client.get(path, params, headers=headers)
            totals.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
            sql_totals.append(sum(q[2] for q in log.queries))
            for n, (sql, qparams, seconds) in enumerate(log.queries):
                per_query.setdefault((n, label(sql)), []).append(seconds)
                if seconds > slowest[0]:
                    slowest = (seconds, sql, qparams)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.repeat):
            path, params, headers = case(i)
            client.get(path, params, headers=headers)
        profiler.disable()
        stats = pstats.Stats(profiler)
        prof_total = sum(tt for (_f, _l, _n), (_cc, _nc, tt, _ct, _c) in stats.stats.items())
        med, med_sql = statistics.median(totals) * 1000, statistics.median(sql_totals) * 1000
        queries = sum(1 for values in per_query.values() if len(values) >= args.repeat // 2)  # per request
        print(f"\n=== {title}: median {med:.1f} ms, p95 {sorted(totals)[int(.95 * (len(totals) - 1))] * 1000:.1f} ms; "
              f"SQL {med_sql:.1f} ms in {queries} queries, Python {med - med_sql:.1f} ms")
        for (n, name), values in sorted(per_query.items()):
            print(f"  q{n + 1:<2} {statistics.median(values) * 1000:6.2f} ms  (x{len(values)})  {name}")
        print(f"  Python by area (self time, cProfile; profiled total {prof_total / args.repeat * 1000:.1f} ms/request, "
              "profiling inflates it):")
        for name, seconds in profile_areas(stats):
            if seconds / prof_total >= 0.01:
                print(f"    {seconds / prof_total:5.1%}  {name}")
        print("  cumulative (ms per request, profiled; the middleware nest, so each includes those below it):")
        for (filename, line, func), (_cc, nc, _tt, ct, _c) in _interesting(stats, args.top):
            short = re.sub(r".*/(site-packages|wt-bench)/", "", filename)
            print(f"    {ct / args.repeat * 1000:6.2f}  {nc / args.repeat:6.1f} calls  {short}:{line} {func}")
        if args.explain and slowest[1]:
            print(f"  slowest query ({slowest[0] * 1000:.1f} ms): EXPLAIN (ANALYZE, BUFFERS)")
            print("    " + (connection.ops.last_executed_query(connection.cursor(), slowest[1], slowest[2]) or slowest[1])[:2000])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
                for (row,) in cursor.fetchall():
                    print("    " + row)


if __name__ == "__main__":
    main()
