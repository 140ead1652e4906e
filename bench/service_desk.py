"""Service desk speed as a caller waits for it: search, 360° page and the per-request floor at two sizes.

    python bench/service_desk.py --make-sample --small postgres://.../cdm_10k --large postgres://.../cdm_1m
    python bench/service_desk.py --small postgres://.../cdm_10k --large postgres://.../cdm_1m \\
                                 --http --start-servers            # or --small-url/--large-url of running ones

Each database holds seed_demo data; the demo user `agent` works for team North only. The callers are a
fixed sample (`--make-sample`, once per database: bench/callers-<size>.json, drawn with TABLESAMPLE
SYSTEM ... REPEATABLE and a seeded shuffle), so every run and every rerun sends exactly the same requests.
Per caller: the as-you-type search (htmx partial; phone in national format, family name plus two letters
of the given name, customer-number prefix, e-mail), the 360° page, and the cheapest authenticated page
(the 360° page's live poll, /customers/<n>/version/?v=<version>: the per-request floor); every fifth
caller, a common name typed alone ("smith", "thomas": thousands of matches).

Two modes, each run three times (`--runs`) per size, each figure the median of the runs:
- in process: Django's test client (server time: middleware, view, ORM, template; no network, no WSGI
  server), beside the same search as one hand-written SQL statement, with SQL queries per request;
- HTTP: one client (the standard library's http.client) against gunicorn with DEBUG off (bench/_common.PRODUCTION_ENV),
  what the client sees: connection, WSGI, the whole response read.
Printed: load average before and after, PostgreSQL settings and database size, figures and targets.
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    PRODUCTION_ENV,
    load_average,
    print_figures,
    start_server,
    stop_server,
    wait_ready,
)

HERE = Path(__file__).resolve().parent
KINDS = ("phone", "name", "number", "email")
COMMON_NAMES = ("smith", "thomas")
COMMON_EVERY = 5  # one common-name search after every fifth caller, alternating
SAMPLE_SEED = 7  # TABLESAMPLE ... REPEATABLE (seed) and the shuffle

# (key, label, target, where the target applies)
FIGURES = [
    ("search_p50", "search p50", None),
    ("search_p95", "search p95", 50),
    *((f"search_p95_{kind}", f"  search p95, {kind}", 60 if kind == "name" else 50) for kind in KINDS),
    ("common_p95", "common name alone p95 (smith, thomas)", 60),
    ("common_p95_smith", "  smith p95", 60),
    ("common_p95_thomas", "  thomas p95", 60),
    ("page_p50", "360° page p50", None),
    ("page_p95", "360° page p95", 100),
    ("floor_p50", "floor p50 (/version/)", None),
    ("floor_p95", "floor p95 (/version/)", 10),
    ("sql_p95", "hand-written SQL search p95", None),
]
RATIO_TARGET = 1.5


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000


def size_label(customers: int) -> str:
    if customers >= 1_000_000 and customers % 1_000_000 == 0:
        return f"{customers // 1_000_000}m"
    if customers >= 1000:
        return f"{round(customers / 1000)}k"
    return str(customers)


# --- the fixed sample ------------------------------------------------------------------------------

def make_sample(samples: int) -> Path:
    """Draw the callers of this database once and write them to bench/callers-<size>.json."""
    from _common import setup_django

    setup_django()
    import phonenumbers
    from django.contrib.auth import get_user_model
    from django.db import connection

    from customers.models import Customer

    agent = get_user_model().objects.get(username="agent")
    team_ids = sorted(agent.groups.filter(team__isnull=False).values_list("team__id", flat=True))
    total = Customer.objects.count()
    percent = min(100.0, 100.0 * samples * 10 / max(total, 1))  # ~10 pages' worth of rows per caller
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM customers_customer TABLESAMPLE SYSTEM (%s) REPEATABLE (%s) "
                       "WHERE team_id = ANY(%s) AND status = 'active' ORDER BY md5(%s || id::text) LIMIT %s",
                       [percent, SAMPLE_SEED, team_ids, str(SAMPLE_SEED), samples])
        ids = [r[0] for r in cursor.fetchall()]
    chosen = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
    random.Random(SAMPLE_SEED).shuffle(chosen)
    callers = []
    for i, c in enumerate(chosen):
        kind = KINDS[i % 4]
        if kind == "phone" and c.phone:
            q = phonenumbers.format_number(phonenumbers.parse(c.phone), phonenumbers.PhoneNumberFormat.NATIONAL)
        elif kind == "name" or not (c.email or c.phone):
            kind, q = "name", f"{c.family_name} {c.given_name[:2]}".strip()
        elif kind == "number":
            q = c.customer_number[:6]
        else:
            kind, q = ("email", c.email) if c.email else ("number", c.customer_number)
        callers.append({"kind": kind, "q": q, "customer_number": c.customer_number, "version": c.version,
                        "phone": c.phone or ""})
    path = HERE / f"callers-{size_label(total)}.json"
    path.write_text(json.dumps({
        "customers": total, "user": "agent", "team_ids": team_ids, "seed": SAMPLE_SEED,
        "drawn": f"TABLESAMPLE SYSTEM ({percent:g}) REPEATABLE ({SAMPLE_SEED}), team {team_ids}, active, "
                 f"{samples} by md5('{SAMPLE_SEED}' || id), shuffled with random.Random({SAMPLE_SEED})",
    }, ensure_ascii=False)[:-1] + ',\n "callers": [\n' + ",\n".join(
        "  " + json.dumps(c, ensure_ascii=False) for c in callers) + "\n ]\n}\n")
    return path


def load_sample(path: Path) -> dict:
    if not path.exists():
        sys.exit(f"bench: no caller sample {path.name}: make it once with --make-sample (see bench/README.md).")
    return json.loads(path.read_text())


def sample_path_for(url: str) -> Path:
    """bench/callers-<size>.json of the database at `url` (its customer count names the size)."""
    out = subprocess.run([sys.executable, __file__, "--count"], env=os.environ | {"DATABASE_URL": url},
                         capture_output=True, text=True, check=True)
    return HERE / f"callers-{size_label(int(out.stdout.strip().splitlines()[-1]))}.json"


# --- one run -----------------------------------------------------------------------------------------

def requests_of(sample: dict):
    """Every request of one run, in order: (what, kind, query or path, caller)."""
    common = 0
    for i, caller in enumerate(sample["callers"]):
        yield "search", caller["kind"], caller["q"], caller
        yield "page", None, f"/customers/{caller['customer_number']}/", caller
        yield "floor", None, f"/customers/{caller['customer_number']}/version/?v={caller['version']}", caller
        if i % COMMON_EVERY == COMMON_EVERY - 1:
            yield "common", COMMON_NAMES[common % len(COMMON_NAMES)], COMMON_NAMES[common % len(COMMON_NAMES)], None
            common += 1


def measure(mode: str, sample_file: str, url: str | None) -> dict:
    from _common import plan_settings, setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from customers.models import Customer

    sample = load_sample(Path(sample_file))
    total = Customer.objects.count()
    if total != sample["customers"]:
        sys.exit(f"bench: {Path(sample_file).name} was drawn from {sample['customers']:,} customers, this database "
                 f"holds {total:,}: draw it again with --make-sample.")
    agent = get_user_model().objects.get(username="agent")
    team_ids = sample["team_ids"]
    hx = {"HX-Request": "true"}
    background = {"HX-Request": "true", "X-CDM-Background": "1"}  # the 360° page's live poll sends both

    if mode == "http":
        import http.client
        from urllib.parse import urlencode, urlsplit

        # The standard library's client, not requests: requests spends 1.5-2 ms of the client's own Python on
        # every request (a static file: 2.4 ms with requests, 0.9 ms with http.client), time a browser does
        # not add. The connection object reopens by itself: gunicorn's sync worker closes after each response.
        target = urlsplit(url)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        # Sent as a header: the cookie is Secure with DEBUG off, and a cookie jar keeps it off plain HTTP.
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={_session_for(agent)}"}

        def get(path, params=None, headers=None):
            connection.request("GET", path + (f"?{urlencode(params)}" if params else ""), headers=cookie | (headers or {}))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                sys.exit(f"bench: GET {path} {params or ''} answered {response.status} "
                         f"{response.getheader('Location', '')}: is the server running with bench/_common.py's "
                         "PRODUCTION_ENV on this database (the session cookie is signed with its SECRET_KEY)?")
            return body.decode()
    else:
        from django.test import Client

        settings.DEBUG = False  # no query log in memory while timing
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(agent)

        def get(path, params=None, headers=None):
            response = client.get(path, params, headers=headers)
            assert response.status_code == 200, (path, params, response.status_code)
            return response.content.decode()

    def send(what, query):
        if what in ("search", "common"):
            return get("/customers/", {"q": query}, hx)
        return get(query, None, background if what == "floor" else None)

    callers = sample["callers"]
    for what, _kind, query, _caller in list(requests_of({"callers": callers[:10]}))[:40]:  # warm up both workers
        send(what, query)
    times: dict[str, list[float]] = {}
    found: dict[str, list[bool]] = {}
    sql: list[float] = []
    for what, kind, query, caller in requests_of(sample):
        started = time.perf_counter()
        body = send(what, query)
        elapsed = time.perf_counter() - started
        times.setdefault(what, []).append(elapsed)
        if what in ("search", "common"):
            times.setdefault(f"{what}@{kind}", []).append(elapsed)
        if what == "search":
            found.setdefault(kind, []).append(caller["customer_number"] in body)
            if mode == "in-process":
                sql_text, params = hand_written_search(kind, query, caller, team_ids)
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql_text, params)
                    cursor.fetchall()
                sql.append(time.perf_counter() - started)
    result = {"customers": total, "callers": len(callers), "settings": plan_settings(),
              **{"_p50_".join(what.split("@")) if "@" in what else f"{what}_p50": pct(values, .5)
                 for what, values in times.items()},
              **{"_p95_".join(what.split("@")) if "@" in what else f"{what}_p95": pct(values, .95)
                 for what, values in times.items()},
              **{f"found_{kind}": 100 * sum(hits) / len(hits) for kind, hits in found.items()},
              "count_common": len(times.get("common", []))}
    if sql:
        result |= {"sql_p50": pct(sql, .5), "sql_p95": pct(sql, .95), "queries": _queries_per_request(get, callers[0])}
    return result


def _session_for(user) -> str:
    """A signed-in session for `user`, as login() leaves it (with cdm's idle and maximum-age stamps):
    the session cookie is Secure with DEBUG off, so the benchmark cannot sign in over plain HTTP."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from cdm.middleware import SESSION_ACTIVE, SESSION_STARTED

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "cdm.auth_backends.RightsBackend"  # as a login through the site would
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SESSION_STARTED] = store[SESSION_ACTIVE] = int(time.time())
    store.create()
    return store.session_key


def _queries_per_request(get, caller) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for what, path, params in [("search", "/customers/", {"q": caller["q"]}),
                               ("common", "/customers/", {"q": COMMON_NAMES[0]}),
                               ("page", f"/customers/{caller['customer_number']}/", None),
                               ("floor", f"/customers/{caller['customer_number']}/version/?v={caller['version']}", None)]:
        with CaptureQueriesContext(connection) as ctx:
            get(path, params, {"HX-Request": "true"} if what != "page" else None)
        counts[what] = len(ctx.captured_queries)
    return counts


def hand_written_search(kind: str, q: str, caller: dict, team_ids: list[int]) -> tuple[str, list]:
    """The same search as one SQL statement: the agent's teams, active customers, the precise match
    conditions the view ranks (identifier exact, then name or number prefix, then name fragments),
    26 rows. What it leaves out is the view's work: rights, near misses, rendering."""
    from customers.normalize import search_key

    if kind == "phone":  # normalised in Python, as the view does
        cond, rank, params = "phone = %s", "0::int", [caller["phone"]]
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


# --- servers, runs, the table ----------------------------------------------------------------------

def run_once(mode: str, database_url: str, sample: Path, url: str | None) -> dict:
    env = os.environ | {"DATABASE_URL": database_url}
    if mode == "http":
        env |= PRODUCTION_ENV  # the session cookie is signed with the server's SECRET_KEY
    args = [sys.executable, __file__, "--measure", mode, "--sample", str(sample), *(["--url", url] if url else [])]
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(out.stderr.strip() or out.stdout.strip())
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if len(values) == len(runs) and values else None


def report(results: dict, sizes: list[str], modes: list[str], runs: int, loads: tuple[str, str]) -> None:
    small, large = sizes
    some = results[(modes[0], large)][0]
    header = ["figure (ms)"]
    for mode in modes:
        header += [f"{mode}: {results[(mode, small)][0]['customers']:,}", f"{results[(mode, large)][0]['customers']:,}",
                   "1M/10k" if (small, large) == ("10k", "1m") else "large/small"]
    header.append("target")
    medians, threes = [tuple(header)], [tuple(header[:-1])]
    for key, label, target in FIGURES:
        row, three = [label], [label]
        for mode in modes:
            a, b = median_of(results[(mode, small)], key), median_of(results[(mode, large)], key)
            if a is None or b is None:
                row += ["", "", ""]
                three += ["", "", ""]
                continue
            row += [f"{a:.1f}", f"{b:.1f}", f"{b / a:.2f}"]
            three += [" / ".join(f"{r[key]:.1f}" for r in results[(mode, s)]) for s in (small, large)]
            three.append(" / ".join(f"{rb[key] / ra[key]:.2f}" for ra, rb in zip(results[(mode, small)],
                                                                                  results[(mode, large)])))
        row.append(f"<= {target}" if target else "")
        medians.append(tuple(row))
        threes.append(tuple(three))
    found = ["caller on the first page, %: " + "/".join(KINDS)]
    for mode in modes:
        found += [" / ".join(f"{median_of(results[(mode, s)], f'found_{k}') or 0:.0f}" for k in KINDS)
                  for s in (small, large)] + [""]
    medians.append((*found, ""))
    if "in-process" in modes:
        q = [results[("in-process", s)][0]["queries"] for s in (small, large)]
        medians.append(("SQL queries: search / common / 360° / floor",
                        *(" / ".join(str(x[w]) for w in ("search", "common", "page", "floor")) for x in q),
                        *[""] * (1 + 3 * (len(modes) - 1)), ""))
    s = some["settings"]
    settings_line = ", ".join(f"{k} {s[k]}" for k in ("shared_buffers", "work_mem", "effective_cache_size",
                                                        "random_page_cost", "jit", "max_parallel_workers_per_gather"))
    sample = results[(modes[0], small)][0], results[(modes[0], large)][0]
    print_figures(f"Service desk, agent of team North: {sample[0]['callers']} / {sample[1]['callers']} fixed callers "
                  f"per run (+ {sample[1]['count_common']} common-name searches), median of {runs} runs", medians, [
        ("targets", f"over HTTP at {sample[1]['customers']:,}: search p95 <= 50 ms, name p95 <= 60 ms (a common name "
                    f"alone too), 360° p95 <= 100 ms, floor p95 <= 10 ms; p95 {large}/{small} <= {RATIO_TARGET}"),
        ("load average", f"before {loads[0]}; after {loads[1]}"),
        ("PostgreSQL", f"{s['server_version']}: {settings_line}"),
        ("database size", f"{small} {results[(modes[0], small)][0]['settings']['database_size']}, "
                          f"{large} {s['database_size']}"),
    ])
    print_figures("The three runs (run 1 / run 2 / run 3)", threes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", help="DATABASE_URL of the small database (e.g. 10,000 customers)")
    parser.add_argument("--large", help="DATABASE_URL of the large database (e.g. 1,000,000)")
    parser.add_argument("--make-sample", action="store_true", help="draw the callers of each database once "
                        "(bench/callers-<size>.json) and stop")
    parser.add_argument("--samples", type=int, default=300, help="callers to draw with --make-sample (default 300)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--http", action="store_true", help="measure over HTTP too, against gunicorn")
    parser.add_argument("--small-url", default="http://127.0.0.1:8201", help="the server on the small database")
    parser.add_argument("--large-url", default="http://127.0.0.1:8202", help="the server on the large database")
    parser.add_argument("--start-servers", action="store_true", help="start gunicorn (DEBUG off, 2 workers) on "
                        "the two URLs' ports with bench/_common.PRODUCTION_ENV, and stop them at the end")
    parser.add_argument("--no-in-process", action="store_true", help="HTTP only")
    parser.add_argument("--measure", choices=("in-process", "http"), help=argparse.SUPPRESS)
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--draw", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.draw:
        print(make_sample(args.draw))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.sample, args.url)))
        return
    if args.count:
        from _common import setup_django

        setup_django()
        from customers.models import Customer

        print(Customer.objects.count())
        return
    if not (args.small and args.large):
        parser.error("--small and --large are required")
    databases = {"small": args.small, "large": args.large}
    if args.make_sample:
        for url in databases.values():
            out = subprocess.run([sys.executable, __file__, "--draw", str(args.samples)],
                                 env=os.environ | {"DATABASE_URL": url}, capture_output=True, text=True, check=False)
            if out.returncode:
                sys.exit(out.stderr)
            print("wrote", out.stdout.strip().splitlines()[-1])
        return
    samples = {which: sample_path_for(url) for which, url in databases.items()}
    labels = {which: path.stem.removeprefix("callers-") for which, path in samples.items()}
    modes = ([] if args.no_in_process else ["in-process"]) + (["http"] if args.http else [])
    urls = {"small": args.small_url, "large": args.large_url}
    servers = []
    loads = [load_average()]
    print(f"load average before: {loads[0]}", flush=True)
    try:
        if args.http and args.start_servers:
            for which in databases:
                log = Path("/tmp") / f"bench-gunicorn-{urlsplit(urls[which]).port}.log"
                servers.append(start_server(databases[which], urls[which], log))
                wait_ready(servers[-1], urls[which], log)
        results: dict = {}
        for run in range(args.runs):  # sizes and modes interleaved, so a noisy minute spreads over all
            for mode in modes:
                for which in databases:
                    started = time.perf_counter()
                    result = run_once(mode, databases[which], samples[which], urls[which] if mode == "http" else None)
                    results.setdefault((mode, labels[which]), []).append(result)
                    print(f"run {run + 1} {mode:10} {labels[which]:>4}: search p95 {result['search_p95']:6.1f} ms, "
                          f"360° p95 {result['page_p95']:6.1f} ms, floor p95 {result['floor_p95']:5.1f} ms "
                          f"({time.perf_counter() - started:.0f} s; load {load_average()})", flush=True)
    finally:
        for server in servers:
            stop_server(server)
    loads.append(load_average())
    report(results, [labels["small"], labels["large"]], modes, args.runs, tuple(loads))


if __name__ == "__main__":
    main()
