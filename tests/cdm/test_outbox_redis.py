"""Events are never lost (issue 11, 5): with the Redis server really stopped, customers are saved; once it is
started again, every event reaches a real HTTP receiver on 127.0.0.1 exactly once, delivered by the real
Celery worker.

CI runs it (CDM_CELERY_WORKER=1, CELERY_BROKER_URL on 127.0.0.1, redis-server installed); elsewhere skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from cdm import tasks
from cdm.access import MARKETING, SYSTEM
from cdm.models import OutboxEvent, WebhookEndpoint
from cdm.webhooks import services
from tests.cdm.webhook_receiver import serve
from tests.factories import CustomerFactory, TeamFactory

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.skipif(os.environ.get("CDM_CELERY_WORKER") != "1" or not BROKER.startswith("redis://127.0.0.1")
                       or not shutil.which("redis-server"), reason="needs CI's Redis and Celery worker"),
    pytest.mark.django_db(transaction=True),
]


def _redis(port: int, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=10)


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def receiver():
    server, state = serve()
    yield state
    server.shutdown()
    server.server_close()


def test_changes_saved_while_redis_is_down_arrive_once_it_is_back(receiver, tmp_path):
    assert settings.CDM_WEBHOOKS_RELAY_ON_COMMIT == "task"  # with a broker: the relay is a task for the worker
    port = urlsplit(BROKER).port or 6379
    endpoint = WebhookEndpoint(name="receiver", url=receiver.url, event_types=["customer.created"], role=MARKETING)
    services.webhook_endpoint_save(endpoint=endpoint, by=SYSTEM)
    team = TeamFactory(name="North")

    _redis(port, "shutdown", "nosave")
    assert _wait(lambda: _redis(port, "ping").returncode != 0, 10), "Redis did not stop"
    try:
        saved = [CustomerFactory(team=team, family_name=f"Outbox{i}") for i in range(5)]  # each commits
        assert len(saved) == 5  # the saves went through with the broker down
        assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 5  # waiting, not lost
        time.sleep(1)
        assert receiver.received == []
    finally:
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
                        "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
                        "--logfile", str(tmp_path / "redis.log")], check=True, timeout=10)
        assert _wait(lambda: _redis(port, "ping").stdout.strip() == "PONG", 10), "Redis did not start again"

    tasks.webhooks_relay.delay()  # what the periodic relay (beat, every minute) sends once Redis is back
    assert _wait(lambda: len(receiver.received) >= 5, 90), f"{len(receiver.received)} of 5 events arrived"
    time.sleep(3)  # anything sent twice would have arrived by now
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 5 == len(set(ids)), ids
    names = sorted(json.loads(r.body)["data"]["family_name"] for r in receiver.received)
    assert names == [f"Outbox{i}" for i in range(5)]
    assert set(ids) == {e.webhook_id for e in OutboxEvent.objects.all()}  # one delivery per event, none lost
