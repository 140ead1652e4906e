import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cdm.models import AppendOnlyError, AuditEvent
from cdm.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(customer, users):
    return audit_record(by=users["steward"], action="customer.reveal", obj=customer, fields=["national_id"])


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(event):
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "customer.reveal"


def test_the_database_refuses_update_even_in_raw_sql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cdm_auditevent SET action = 'tampered' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "customer.reveal"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
def test_postgres_refuses_delete_in_raw_sql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cdm_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_name_fields_never_values(event, customer):
    assert event.fields == ["national_id"]
    assert "AB123456C" not in str(event.__dict__)
    assert event.actor_username == "steward" and event.object_id == str(customer.pk)


def test_the_audit_log_is_read_only_in_the_admin(client, event, users):
    client.force_login(users["admin"])
    change_url = reverse("admin:cdm_auditevent_change", args=[event.pk])
    assert client.get(reverse("admin:cdm_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:cdm_auditevent_add")).status_code == 403
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"action": "tampered"}).status_code == 403
    assert client.post(reverse("admin:cdm_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "customer.reveal"


def test_only_stewards_and_admins_read_the_audit_log(client, event, users):
    url = reverse("admin:cdm_auditevent_changelist")
    for username, status in [("steward", 200), ("admin", 200)]:
        client.force_login(users[username])
        assert client.get(url).status_code == status
    client.force_login(users["agent"])
    assert client.get(url).status_code == 302  # not staff: to the admin login
