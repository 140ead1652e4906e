import datetime

import pytest
from django.utils import timezone

from consent import selectors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def test_the_status_of_each_purpose_is_its_latest_record(record, customer, users):
    record("email-marketing", granted=True, recorded_at=_ago(30))
    latest = record("email-marketing", granted=False, recorded_at=_ago(2))
    record("email-marketing", granted=True, recorded_at=_ago(10))  # entered later, but older
    record("sms-marketing", granted=True, recorded_at=_ago(5))
    statuses = {s.purpose.key: s for s in selectors.consent_status(customer=customer, user=users["agent"])}
    assert statuses["email-marketing"].state == "withdrawn" and statuses["email-marketing"].record == latest
    assert statuses["sms-marketing"].state == "granted"
    assert statuses["phone-marketing"].state == "unknown" and statuses["phone-marketing"].record is None


def test_same_time_records_are_decided_by_the_one_written_last(record, customer, users):
    at = _ago(1)
    record("profiling", granted=True, recorded_at=at)
    record("profiling", granted=False, recorded_at=at)
    statuses = {s.purpose.key: s.state for s in selectors.consent_status(customer=customer, user=users["agent"])}
    assert statuses["profiling"] == "withdrawn"


def test_inactive_purposes_leave_the_status(record, purposes, customer, users):
    record("third-party-sharing")
    purposes["third-party-sharing"].active = False
    purposes["third-party-sharing"].save()
    keys = [s.purpose.key for s in selectors.consent_status(customer=customer, user=users["agent"])]
    assert "third-party-sharing" not in keys and "email-marketing" in keys


def test_the_status_takes_two_queries_whatever_the_number_of_records(record, customer, users,
                                                                      django_assert_max_num_queries):
    for days in range(6):
        record("email-marketing", granted=bool(days % 2), recorded_at=_ago(days + 1))
        record("sms-marketing", granted=True, recorded_at=_ago(days + 1))
    agent = users["agent"]
    selectors.consent_visible(agent)  # load the role permissions once, as a request does
    with django_assert_max_num_queries(2):
        statuses = selectors.consent_status(customer=customer, user=agent)
        assert [s.record.get_method_display() for s in statuses if s.record]


def test_users_who_may_not_read_consents_get_nothing(record, customer):
    from django.contrib.auth.models import Permission

    reader = UserFactory()  # may see every customer, but holds no consent permission
    reader.user_permissions.add(*Permission.objects.filter(codename__in=["view_customer", "view_all_customers"]))
    record()
    assert selectors.consent_status(customer=customer, user=reader) == []
    assert list(selectors.consent_history(customer=customer, user=reader)) == []


def test_the_history_lists_every_record_newest_first(record, customer, users):
    old = record("email-marketing", granted=True, recorded_at=_ago(20))
    new = record("email-marketing", granted=False, recorded_at=_ago(1))
    mid = record("sms-marketing", granted=True, recorded_at=_ago(5))
    assert list(selectors.consent_history(customer=customer, user=users["marketer"])) == [new, mid, old]
    assert list(selectors.consent_history(customer=customer, user=users["agent-south"])) == []
