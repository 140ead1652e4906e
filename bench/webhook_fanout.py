"""Webhook fan-out (issue 11, speed): 10,000 customer changes with 3 subscribed endpoints, delivered by a real
Celery worker (2 processes, Redis broker) to a receiver on 127.0.0.1, beside the p95 of a customer save with
no delivery running and while the 30,000 deliveries run (what a busy outbox adds to a save).

    DATABASE_URL=postgres://postgres@127.0.0.1:55499/cdm_1m .venv/bin/python bench/webhook_fanout.py

Needs redis-server (Debian's package) on the PATH; the bench starts its own on --redis-port. The 10,000 changes
are written to the outbox as the services write them (customers_event_record, one event per changed customer,
in batches); the saves measured are real customer_update calls on a fixed sample.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PRODUCTION_ENV, ROOT, context, load_average, print_figures  # noqa: E402

ENDPOINTS = 3


class Receiver:
    def __init__(self):
        self.count = 0
        self.seen = set()  # (endpoint path, webhook-id): a message received twice would show here
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.count += 1
                    receiver.seen.add((self.path, self.headers.get("webhook-id")))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def saves(customers, seconds_cap: float = 120) -> list[float]:
    """customer_update on each (the city changed), its wall time in ms."""
    from cdm.access import SYSTEM
    from customers import services
    from customers.models import Customer

    times, started = [], time.monotonic()
    for n, customer in enumerate(customers):
        current = Customer.objects.get(pk=customer.pk)
        t = time.perf_counter()
        services.customer_update(customer=current, by=SYSTEM, version=current.version,
                                 city=("Leeds", "York")[(n + current.version) % 2])
        times.append((time.perf_counter() - t) * 1000)
        if time.monotonic() - started > seconds_cap:
            break
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=300, help="saves timed in each phase (default 300)")
    parser.add_argument("--redis-port", type=int, default=56390)
    args = parser.parse_args()
    broker = f"redis://127.0.0.1:{args.redis_port}/0"
    # The production settings, as the API benchmark's gunicorn ran (its saves are readable only with its keys).
    os.environ.update(PRODUCTION_ENV)
    os.environ.update(CELERY_BROKER_URL=broker, CDM_WEBHOOKS_RELAY_ON_COMMIT="task", CDM_WEBHOOKS_ALLOW_PRIVATE="1")
    run_dir = Path(tempfile.mkdtemp(prefix="cdm-bench-hooks-"))
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(args.redis_port), "--daemonize", "yes",
                    "--save", "", "--appendonly", "no", "--dir", str(run_dir), "--logfile", str(run_dir / "redis.log")],
                   check=True)
    worker = None
    try:
        from _common import setup_django

        setup_django()
        from django.db import connection

        from cdm.access import MARKETING, SYSTEM
        from cdm.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
        from cdm.webhooks.catalogue import EventType
        from cdm.webhooks.services import webhook_endpoint_save
        from customers.models import Customer
        from customers.services.webhooks import customers_event_record

        receiver = Receiver()
        WebhookEndpoint.objects.filter(name__startswith="bench ").delete()
        for n in range(ENDPOINTS):
            webhook_endpoint_save(endpoint=WebhookEndpoint(name=f"bench {n}", url=f"{receiver.url}/{n}", role=MARKETING,
                                                           event_types=[EventType.CUSTOMER_UPDATED]), by=SYSTEM)
        OutboxEvent.objects.filter(published_at__isnull=True).update(published_at=time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        sample = list(Customer.objects.filter(status="active").order_by("pk")[: args.saves * 2 + args.changes])
        first, second, changed = sample[:args.saves], sample[args.saves:2 * args.saves], sample[2 * args.saves:]
        before = context()

        quiet = saves(first)  # the relay tasks queue up in Redis; no worker runs them yet
        subprocess.run([sys.executable, "-c", "import redis,sys; redis.Redis.from_url(sys.argv[1]).flushdb()", broker],
                       check=True)
        connection.close()
        env = os.environ | {"DJANGO_SETTINGS_MODULE": "cdm.settings", "DB_CONN_MAX_AGE": "0"}
        log = run_dir / "worker.log"
        worker = subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "cdm", "worker", "--concurrency", "2",
                                   "--loglevel", "WARNING", "--hostname", "bench@%h"], cwd=ROOT, env=env,
                                  stdout=log.open("w"), stderr=subprocess.STDOUT)
        time.sleep(5)  # the worker is up
        started = time.monotonic()
        for i in range(0, len(changed), 500):
            from django.db import transaction

            with transaction.atomic():
                customers_event_record(EventType.CUSTOMER_UPDATED, changed[i:i + 500])
        # The timed saves are changes too: each is announced to the 3 endpoints as well.
        expected = (len(changed) + len(first) + len(second)) * ENDPOINTS
        busy = saves(second)  # while the deliveries run
        while receiver.count < expected and time.monotonic() - started < 1800:
            from cdm import tasks

            tasks.webhooks_relay.delay()  # what beat does every minute, sooner
            time.sleep(2)
        elapsed = time.monotonic() - started
        succeeded = WebhookDelivery.objects.filter(endpoint__name__startswith="bench ", status="succeeded").count()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(args.redis_port), "shutdown", "nosave"],
                       capture_output=True)
    received, distinct = receiver.count, len(receiver.seen)
    changes = len(changed) + len(first) + len(second)
    rows = [("figure", "value"),
            ("changes (outbox events)", f"{len(changed):,} written at once + {len(first) + len(second)} timed saves"),
            ("deliveries expected / received / distinct / succeeded",
             f"{expected:,} / {received:,} / {distinct:,} / {succeeded:,}"),
            ("time to deliver all", f"{elapsed:.1f} s"),
            ("changes delivered / s", f"{changes / elapsed:,.0f}"),
            ("deliveries / s", f"{received / elapsed:,.0f}"),
            ("save p95, no delivery running", f"{p95(quiet):.1f} ms (median {statistics.median(quiet):.1f})"),
            ("save p95, while deliveries run", f"{p95(busy):.1f} ms (median {statistics.median(busy):.1f})"),
            ("added p95", f"{p95(busy) - p95(quiet):+.1f} ms ({p95(busy) / p95(quiet):.2f}x)")]
    print_figures(f"Webhook fan-out: {len(changed):,} changes x {ENDPOINTS} endpoints, a Celery worker of 2 processes",
                  rows, notes=[*before, ("load average after", load_average())])


if __name__ == "__main__":
    main()
