"""The API under load (issue 11, speed): customer detail, single upsert and batch upsert of 100 records, with
gunicorn (DEBUG off, 2 sync workers) on 127.0.0.1 and locust driving 8 concurrent clients, beside a bare Django
view answering the same JSON (bench/bare_urls.py: no DRF, token, rights or field policy). Throughput and p95 of
each, the median of three runs on a fixed sample, and the API's cost as a ratio to the bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:55499/cdm_1m .venv/bin/python bench/api_load.py

The database must hold seeded customers (`seed_demo`); the run issues a token for a service account of team
North (svc-bench, customer service) and changes the city of sampled customers (upserts). Needs locust:
`.venv/bin/pip install -c constraints.txt -e ".[bench]"`.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, context, load_average, print_figures, setup_django, start_server, stop_server, wait_ready  # noqa: E402,I001

SCENARIOS = ("bare", "detail", "upsert", "batch")
RECORDS = {"bare": 1, "detail": 1, "upsert": 1, "batch": 100}


def sample(size: int) -> dict:
    """Every k-th active customer of team North by id, and as many of its ids in the demo system: the same
    rows every run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cdm_team WHERE name = 'North'")
        team = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM customers_customer WHERE team_id = %s AND status = 'active'", [team])
        step = max(1, cursor.fetchone()[0] // size)
        cursor.execute("SELECT customer_number FROM (SELECT customer_number, row_number() OVER (ORDER BY id) AS n "
                       "FROM customers_customer WHERE team_id = %s AND status = 'active') t WHERE n %% %s = 0 "
                       "LIMIT %s", [team, step, size])
        numbers = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT e.system, e.external_id FROM customers_externalidentity e JOIN customers_customer c "
                       "ON c.id = e.customer_id WHERE c.customer_number = ANY(%s) AND e.system = 'demo' "
                       "ORDER BY c.id", [numbers])
        linked = [list(r) for r in cursor.fetchall()]
    return {"numbers": numbers, "linked": linked}


def token() -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cdm import access
    from cdm.access import SYSTEM
    from cdm.api.models import ApiToken
    from cdm.api.tokens import api_token_issue, api_token_revoke
    from cdm.models import Team

    user, _created = get_user_model().objects.get_or_create(username="svc-bench")
    user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=access.CUSTOMER_SERVICE), Team.objects.get(name="North").group])
    for old in ApiToken.objects.live().filter(user=user):
        api_token_revoke(by=SYSTEM, token=old)
    _token, raw = api_token_issue(by=SYSTEM, name="bench", user=user, system="bench", rate="100000/s",
                                  default_team=Team.objects.get(name="North"))
    return raw


def run(scenario: str, url: str, raw: str, sample_file: Path, seconds: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        prefix = Path(out) / "stats"
        env = {"BENCH_SCENARIO": scenario, "BENCH_TOKEN": raw, "BENCH_SAMPLE": str(sample_file),
               "BENCH_CLIENTS": str(clients)}
        done = subprocess.run([str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locust_api.py"), "--headless",
                               "-u", str(clients), "-r", str(clients), "-t", f"{seconds}s", "--host", url,
                               "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
                               "--loglevel", "WARNING"], env={**__import__("os").environ, **env},
                              capture_output=True, text=True)
        rows = list(csv.DictReader((prefix.parent / "stats_stats.csv").open()))
        failures = (prefix.parent / "stats_failures.csv").read_text() if done.returncode else ""
    total = next(r for r in rows if r["Name"] == "Aggregated")
    if not int(total["Request Count"]) or total["95%"] == "N/A":
        sys.exit(f"bench: no {scenario} request answered:\n{done.stderr[-3000:]}\n{failures[:2000]}")
    return {"rps": float(total["Requests/s"]), "p50": float(total["50%"]), "p95": float(total["95%"]),
            "requests": int(total["Request Count"]), "errors": int(total["Failure Count"]), "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="length of one run (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario, the median quoted (default 3)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sample", type=int, default=4000, help="customers in the fixed sample (default 4,000)")
    parser.add_argument("--port", type=int, default=8230)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="a comma-separated subset (bare first)")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    database_url = __import__("os").environ["DATABASE_URL"]
    picked = sample(args.sample)
    if len(picked["linked"]) < 100:
        sys.exit("bench: too few customers of team North with a demo id: seed the database first (seed_demo).")
    scenarios = [s for s in SCENARIOS if s in args.scenarios.split(",")]
    if "bare" not in scenarios:
        sys.exit("bench: the bare view is the yardstick: keep it among --scenarios.")
    raw = token()
    sample_file = Path(tempfile.gettempdir()) / "cdm-bench-api-sample.json"
    sample_file.write_text(json.dumps(picked))
    url = f"http://127.0.0.1:{args.port}"
    log = Path(tempfile.gettempdir()) / f"bench-gunicorn-{args.port}.log"
    before = context()
    server = start_server(database_url, url, log, env={"DJANGO_SETTINGS_MODULE": "bench.bare_settings",
                                                       "CDM_API_TOKEN_RATE": "100000/s"})
    try:
        wait_ready(server, url, log)
        run("detail", url, raw, sample_file, 5, args.clients)  # warm the workers and the caches
        results = {s: [run(s, url, raw, sample_file, args.seconds, args.clients) for _ in range(args.runs)]
                   for s in scenarios}
    finally:
        stop_server(server)
    median = {s: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p95")} |
              {"errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs)}
              for s, runs in results.items()}
    bare = median["bare"]
    rows = [("request", "requests/s", "records/s", "p50 ms", "p95 ms", "errors", "runs (req/s)", "vs bare (req/s)",
             "vs bare (p95)")]
    for s in scenarios:
        m = median[s]
        rows.append((s, f"{m['rps']:,.1f}", f"{m['rps'] * RECORDS[s]:,.0f}", f"{m['p50']:.0f}", f"{m['p95']:.0f}",
                     f"{m['errors']} of {m['requests']}", " / ".join(f"{r['rps']:.0f}" for r in results[s]),
                     f"{bare['rps'] / m['rps']:.2f}x fewer" if s != "bare" else "1", 
                     f"{m['p95'] / bare['p95']:.2f}x" if s != "bare" else "1"))
    print_figures(f"The API under {args.clients} concurrent clients (gunicorn, DEBUG off, 2 workers; median of "
                  f"{args.runs} runs of {args.seconds} s)", rows,
                  notes=[*before, ("load average after", load_average()),
                         ("sample", f"{len(picked['numbers'])} customers of team North, {len(picked['linked'])} "
                                    "demo ids"),
                         ("token", f"a customer-service account of team North; rate limit {settings.CDM_API_TOKEN_RATE}"
                                   " lifted to 100000/s for the run")])
    for s in scenarios:
        for r in results[s]:
            if r["failures"]:
                print(f"{s} failures:\n{r['failures'][:2000]}")


if __name__ == "__main__":
    main()
