"""The archive task sent through the real broker, run by a real `celery worker`, its effect read back.

CI starts the worker against the test database (CDM_CELERY_WORKER=1); elsewhere this is skipped.
"""

import os
import time

import pytest
from freezegun import freeze_time

from customers.models import Customer
from customers.tasks import customer_archive_inactive
from tests.factories import CustomerFactory, TeamFactory

pytestmark = [
    pytest.mark.skipif(os.environ.get("CDM_CELERY_WORKER") != "1", reason="no worker started (CI starts one)"),
    pytest.mark.django_db(transaction=True),
]


def test_the_archive_task_runs_in_the_worker():
    team = TeamFactory(name="North")
    with freeze_time("2019-01-15 10:00:00"):
        quiet = [CustomerFactory(team=team) for _ in range(3)]
    lively = CustomerFactory(team=team)

    result = customer_archive_inactive.apply_async(kwargs={"days": 365})
    report = result.get(timeout=60)  # the worker wrote the result to the database

    assert report["archived"] == 3 and report["dry_run"] is False
    deadline = time.monotonic() + 10
    while Customer.objects.filter(status="archived").count() < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {c.pk for c in Customer.objects.filter(status="archived")} == {c.pk for c in quiet}
    assert Customer.objects.get(pk=lively.pk).status == "active"
    assert quiet[0].history.latest().history_change_reason == "archived: inactive since 2019-01-15"
    assert result.status == "SUCCESS"
