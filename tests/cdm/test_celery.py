"""Background work: in-process without a broker; through Redis to a real worker in CI."""

import os

import pytest
from django.conf import settings

from cdm.celery import app


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="a broker is configured")
def test_without_a_broker_tasks_run_in_process():
    assert app.conf.task_always_eager is True


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no broker configured (embedded default)")
def test_the_configured_broker_accepts_connections():
    assert app.conf.task_always_eager is False
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)


@pytest.mark.skipif(os.environ.get("CDM_CELERY_WORKER") != "1", reason="no worker started (CI starts one)")
def test_a_real_worker_answers_through_the_broker():
    replies = app.control.ping(timeout=5.0)
    assert replies, "no Celery worker answered a ping through the broker"
