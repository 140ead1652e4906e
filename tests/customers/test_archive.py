"""Archiving inactive customers, restoring them, and the periodic clean-up."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cdm.access import SYSTEM
from cdm.services import platform_cleanup
from customers import selectors, services
from customers.models import Customer
from customers.tasks import customer_archive_inactive
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SIGNED_UP = datetime.datetime(2020, 3, 1, 12, 0, tzinfo=datetime.UTC)
N = 3 * 365


@pytest.fixture
def quiet(north):
    """A customer created on SIGNED_UP and never heard of since."""
    with freeze_time(SIGNED_UP):
        return CustomerFactory(team=north, family_name="Quiet")


@pytest.mark.parametrize(("days_after", "archived"), [(N - 1, False), (N, False), (N + 1, True)])
def test_archiving_starts_the_day_after_n_days_of_silence(quiet, days_after, archived):
    report = services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=days_after), days=N, by=SYSTEM)
    quiet.refresh_from_db()
    assert (quiet.status == Customer.Status.ARCHIVED) is archived
    assert report.archived == int(archived)


def test_an_archived_customer_gets_a_history_row_saying_since_when(quiet):
    services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    latest = quiet.history.latest()
    assert latest.status == "archived"
    assert latest.history_change_reason == "archived: inactive since 2020-03-01"


@pytest.mark.parametrize("kind", ["order", "activity", "request", "edit"])
def test_any_sign_of_life_keeps_a_customer_active(quiet, kind, users):
    later = SIGNED_UP + datetime.timedelta(days=400)
    with freeze_time(later):
        if kind == "order":
            services.order_create(customer=quiet, order_number="O-1", placed_at=later,
                                  lines=[{"sku": "SKU-1", "unit_price": "9.99"}], by=SYSTEM)
        elif kind == "activity":
            services.activity_record(customer=quiet, kind="login", occurred_at=later, by=SYSTEM)
        elif kind == "request":
            services.service_request_create(customer=quiet, subject="Question", opened_at=later, by=SYSTEM)
        else:
            services.customer_update(customer=quiet, by=users["agent"], version=quiet.version, job_title="Engineer")
    report = services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    assert report.archived == 0
    quiet.refresh_from_db()
    assert quiet.status == Customer.Status.ACTIVE


def test_a_dry_run_reports_and_writes_nothing(quiet):
    report = services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, dry_run=True, by=SYSTEM)
    assert (report.candidates, report.archived, report.sample) == (1, 0, [quiet.customer_number])
    quiet.refresh_from_db()
    assert quiet.status == Customer.Status.ACTIVE and quiet.history.count() == 1


def test_archiving_in_batches_is_idempotent(north):
    with freeze_time(SIGNED_UP):
        customers = [CustomerFactory(team=north) for _ in range(5)]
    later = SIGNED_UP + datetime.timedelta(days=N + 1)
    first = services.customer_archive_inactive(now=later, days=N, batch_size=2, by=SYSTEM)
    second = services.customer_archive_inactive(now=later, days=N, batch_size=2, by=SYSTEM)
    assert (first.archived, second.archived) == (5, 0)
    assert all(c.history.count() == 2 for c in customers)


def test_the_task_runs_the_service_and_the_default_setting_is_three_years(quiet, settings):
    assert settings.CDM_ARCHIVE_AFTER_DAYS == 1095
    with freeze_time(SIGNED_UP + datetime.timedelta(days=1096)):
        result = customer_archive_inactive.apply(kwargs={"dry_run": True}).get()
    assert result["candidates"] == 1 and result["dry_run"] is True


def test_archived_customers_leave_default_lists_but_a_filter_finds_them(client, quiet, users):
    services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    client.force_login(users["agent"])
    assert "Quiet" not in client.get(reverse("customers:list")).content.decode()
    assert "Quiet" in client.get(reverse("customers:list"), {"status": "archived"}).content.decode()
    assert "Quiet" in client.get(reverse("customers:list"), {"status": "all", "q": "quiet"}).content.decode()
    assert client.get(quiet.get_absolute_url()).status_code == 200  # a direct link still works
    client.force_login(users["steward"])
    admin_list = reverse("admin:customers_customer_changelist")
    assert quiet.customer_number not in client.get(admin_list).content.decode()
    assert quiet.customer_number in client.get(admin_list, {"status": "archived"}).content.decode()


def test_a_steward_restores_one_customer_from_its_page(client, quiet, users):
    services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    client.force_login(users["steward"])
    page = client.get(quiet.get_absolute_url()).content.decode()
    assert "Restore to active" in page
    response = client.post(reverse("customers:restore", args=[quiet.customer_number]), {"reason": "customer called"})
    assert response.status_code == 302
    quiet.refresh_from_db()
    assert quiet.status == Customer.Status.ACTIVE
    latest = quiet.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (users["steward"], "restored: customer called")
    # Restoring is a sign of life: the next nightly run leaves the customer alone.
    assert services.customer_archive_inactive(days=N, by=SYSTEM).archived == 0


def test_restore_is_refused_for_customers_that_are_not_archived(client, quiet, users):
    client.force_login(users["steward"])
    response = client.post(reverse("customers:restore", args=[quiet.customer_number]), follow=True)
    assert "Only archived customers can be restored" in response.content.decode()


def test_restore_follows_the_team_wall(client, quiet, users):
    services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    client.force_login(users["agent-south"])
    assert client.post(reverse("customers:restore", args=[quiet.customer_number])).status_code == 404
    quiet.refresh_from_db()
    assert quiet.status == Customer.Status.ARCHIVED


def test_an_admin_action_restores_many(client, north, users):
    with freeze_time(SIGNED_UP):
        customers = [CustomerFactory(team=north) for _ in range(3)]
    services.customer_archive_inactive(now=SIGNED_UP + datetime.timedelta(days=N + 1), days=N, by=SYSTEM)
    client.force_login(users["admin"])
    response = client.post(reverse("admin:customers_customer_changelist") + "?status=archived",
                           {"action": "restore_selected", "_selected_action": [c.pk for c in customers]}, follow=True)
    assert "Restored 3 customers" in response.content.decode()
    assert set(Customer.objects.values_list("status", flat=True)) == {"active"}
    assert all(c.history.latest().history_user == users["admin"] for c in customers)


def test_the_inactive_selector_is_one_query(quiet, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert list(selectors.customers_inactive(cutoff=timezone.now())) == [quiet]


def test_clean_up_deletes_expired_sessions_and_old_task_results(settings):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django_celery_results.models import TaskResult

    live = SessionStore()
    live.create()
    Session.objects.create(session_key="expired", session_data="", expire_date=timezone.now() - datetime.timedelta(days=1))
    old = TaskResult.objects.create(task_id="old", status="SUCCESS")
    TaskResult.objects.filter(pk=old.pk).update(date_done=timezone.now() - settings.CELERY_RESULT_EXPIRES
                                                - datetime.timedelta(days=1))
    TaskResult.objects.create(task_id="new", status="SUCCESS")
    assert platform_cleanup() == {"sessions": 1, "task_results": 1}
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert list(TaskResult.objects.values_list("task_id", flat=True)) == ["new"]
    assert platform_cleanup() == {"sessions": 0, "task_results": 0}


def test_default_schedules_exist_and_point_at_real_tasks():
    from django_celery_beat.models import PeriodicTask

    from cdm.celery import app

    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["Archive inactive customers"] == "customers.tasks.customer_archive_inactive"
    assert tasks["Clean up expired sessions and task results"] == "cdm.tasks.platform_cleanup"
    assert tasks["Forget search words no customer has"] == "customers.tasks.search_words_prune"
    app.loader.import_default_modules()
    assert set(tasks.values()) <= set(app.tasks)
