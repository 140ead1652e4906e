"""Consent records are evidence: nothing, not even raw SQL, changes or deletes one."""

import pytest
from django.db import DatabaseError, connection, transaction

from cdm.models import AppendOnlyError
from consent.models import ConsentRecord, Purpose

pytestmark = pytest.mark.django_db


def test_the_default_purposes_exist_after_migrate():
    keys = set(Purpose.objects.active().values_list("key", flat=True))
    assert {"email-marketing", "sms-marketing", "phone-marketing", "profiling", "third-party-sharing"} <= keys


def test_a_record_cannot_be_changed_or_deleted_through_the_orm(record):
    rec = record(granted=True)
    rec.granted = False
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=rec.pk).update(granted=False)
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=rec.pk).delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.bulk_update([rec], ["granted"])
    assert ConsentRecord.objects.get(pk=rec.pk).granted is True


def test_deleting_the_customer_does_not_delete_its_consent_records(record, customer):
    rec = record()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        customer.delete()
    assert ConsentRecord.objects.filter(pk=rec.pk).exists() and type(customer).objects.filter(pk=customer.pk).exists()


def test_a_customer_without_consent_records_can_still_be_deleted(north):
    from customers.models import Customer
    from tests.factories import CustomerFactory

    other = CustomerFactory(team=north)
    other.delete()
    assert not Customer.objects.filter(pk=other.pk).exists()


def test_the_database_refuses_update_even_in_raw_sql(record):
    rec = record(granted=True)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentrecord SET granted = %s WHERE id = %s", [False, rec.pk])
    assert ConsentRecord.objects.get(pk=rec.pk).granted is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
def test_postgres_refuses_delete_in_raw_sql(record):
    rec = record()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [rec.pk])
    assert ConsentRecord.objects.filter(pk=rec.pk).exists()


def test_records_follow_their_customers_team_scope(record, users, south):
    from tests.factories import CustomerFactory

    north_record = record()
    record(customer=CustomerFactory(team=south))
    assert list(ConsentRecord.objects.restrict(users["agent"], "view")) == [north_record]
    assert ConsentRecord.objects.restrict(users["marketer"], "view").count() == 2
    assert ConsentRecord.objects.restrict(users["nobody"], "view").count() == 0
