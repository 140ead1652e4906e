"""Shared by the benchmarks: Django on PostgreSQL only, the run's context, the figures table.

Every benchmark is one command that measures its figures side by side in one run and prints them
with their ratio; see bench/README.md. Nothing here is imported by the application or the tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Django against the PostgreSQL in DATABASE_URL; anything else is refused."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("bench: the benchmarks measure PostgreSQL. Set DATABASE_URL, e.g.\n"
                 "  DATABASE_URL=postgres://postgres@127.0.0.1:55499/cdm_bench python bench/seed_rate.py\n"
                 "on a database of its own: the benchmarks seed demo data and change it.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
    os.environ.setdefault("DEBUG", "1")  # development keys and demo logins; no page is ever served
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"bench: DATABASE_URL points at {connection.vendor}, not PostgreSQL.")


def context() -> list[tuple[str, str]]:
    """What the figures depend on: machine, server version and settings, load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers'), "
                       "current_setting('max_wal_size'), current_setting('synchronous_commit'), "
                       "current_database()")
        version, buffers, wal, sync, db = cursor.fetchone()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [("machine", f"{os.cpu_count()} cores, load average {load}"),
            ("PostgreSQL", f"{version} (database {db}; shared_buffers {buffers}, max_wal_size {wal}, "
                           f"synchronous_commit {sync})")]


# The PostgreSQL settings a query plan and its timing depend on (printed beside latency figures).
PLAN_SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit",
                 "max_parallel_workers_per_gather")


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


def plan_settings() -> dict[str, str]:
    """PLAN_SETTINGS, the server version and the size of the current database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in PLAN_SETTINGS)
                       + ", current_setting('server_version'), pg_size_pretty(pg_database_size(current_database()))")
        *values, version, size = cursor.fetchone()
    return {**dict(zip(PLAN_SETTINGS, values)), "server_version": version, "database_size": size}


# Django with DEBUG off, as README.md's "Production" section runs it, on the data `seed_demo` wrote with
# DEBUG on: the development keys of cdm/settings.py. SECRET_KEY cannot be the development one with DEBUG
# off (cdm/settings.py refuses it), so it is a benchmark key and the development one is its fallback: the
# seed's encrypted values (signed and encrypted with the development key) stay readable, and gunicorn's
# start-up check of the key canary (cdm/crypto.py) passes. No TLS on loopback: no HTTPS redirect.
DEV_SECRET_KEY = "django-insecure-cdm-development-only-never-use-in-production"  # cdm/settings.py
DEV_BLIND_INDEX_KEY = "cdm-development-blind-index-key"  # cdm/settings.py
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "SECRET_KEY_FALLBACKS": DEV_SECRET_KEY,
    "CRYPTOGRAPHY_KEY": DEV_SECRET_KEY,
    "CDM_BLIND_INDEX_KEY": DEV_BLIND_INDEX_KEY,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CDM_PUBLIC_BASE_URL": "http://127.0.0.1:8200",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    # Production keeps sessions and each user's rights in a shared cache (README: CDM_CACHE_URL); give the
    # benchmark a Redis of its own (BENCH_CACHE_URL), or it measures the no-cache fallback.
    "CDM_CACHE_URL": os.environ.get("BENCH_CACHE_URL", ""),
}


# --- gunicorn for the HTTP figures --------------------------------------------------------------------

def start_server(database_url: str, url: str, log: Path, *, app: str = "cdm.wsgi", env: dict | None = None,
                 workers: int = 2) -> subprocess.Popen:
    """gunicorn with DEBUG off on `url`'s port, 2 sync workers, the production settings (no control socket:
    gunicorn's default one, ~/.gunicorn/gunicorn.ctl, would be shared by every server on the machine)."""
    port = urlsplit(url).port
    env = os.environ | PRODUCTION_ENV | {"DATABASE_URL": database_url} | (env or {})
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)  # the manifest storage of DEBUG off needs staticfiles/
    return subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), app, "--bind", f"127.0.0.1:{port}",
                             "--workers", str(workers), "--no-control-socket"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(server: subprocess.Popen, url: str, log: Path) -> None:
    import requests

    for _ in range(240):
        try:
            requests.get(url + "/accounts/login/", timeout=5)
            return
        except requests.RequestException:
            if server.poll() is not None:
                sys.exit(f"bench: gunicorn for {url} exited: see {log}")
            time.sleep(0.5)
    sys.exit(f"bench: gunicorn for {url} did not answer: see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def table_count(model) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0]


def print_figures(title: str, rows: list[tuple[str, ...]], notes: list[tuple[str, str]] = ()) -> None:
    """A small aligned table: the first row is the header."""
    widths = [max(len(str(r[k])) for r in rows) for k in range(len(rows[0]))]
    print()
    print(title)
    print()
    for n, row in enumerate(rows):
        cells = [str(c).ljust(w) if k == 0 else str(c).rjust(w) for k, (c, w) in enumerate(zip(row, widths))]
        print("  " + "  ".join(cells).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    if notes:
        print()
        for name, value in notes:
            print(f"  {name}: {value}")
    print()


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"
