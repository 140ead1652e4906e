import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cdm.access import SYSTEM
from cdm.errors import NotFound
from cdm.models import AuditEvent
from consent import services
from consent.models import ConsentRecord
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _record(customer, purpose, by, **kwargs):
    kwargs = {"granted": True, "method": ConsentRecord.Method.VERBAL, "note": "Caller said yes."} | kwargs
    return services.consent_record(customer=customer, purpose=purpose, by=by, **kwargs)


def _nothing_written():
    return not ConsentRecord.objects.exists() and not AuditEvent.objects.filter(action__startswith="consent.").exists()


def test_recording_a_verbal_withdrawal_stores_it_and_audits_it(purposes, customer, users):
    agent = users["agent"]
    rec = _record(customer, purposes["sms-marketing"], agent, granted=False, note="Customer asked to stop SMS.",
                  source="phone call", evidence="CALL-123")
    assert (rec.granted, rec.method, rec.recorded_by, rec.recorded_by_username) == (False, "verbal", agent, "agent")
    assert (rec.note, rec.evidence, rec.source) == ("Customer asked to stop SMS.", "CALL-123", "phone call")
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.actor == agent and event.object_id == str(customer.pk) and event.fields == ["sms-marketing"]
    assert "stop SMS" not in event.reason  # notes may quote the customer: not copied into the log
    customer.refresh_from_db()
    assert customer.last_activity_at == rec.recorded_at


def test_a_grant_writes_a_grant_audit_event(purposes, customer, users):
    _record(customer, purposes["email-marketing"], users["steward"])
    assert AuditEvent.objects.filter(action="consent.grant", actor=users["steward"]).count() == 1


@pytest.mark.parametrize("note", ["", "   "])
def test_a_verbal_record_needs_a_note_saying_what_was_said(purposes, customer, users, note):
    with pytest.raises(ValidationError) as exc:
        _record(customer, purposes["email-marketing"], users["agent"], note=note)
    assert "note" in exc.value.message_dict
    assert "what was said" in exc.value.message_dict["note"][0]
    assert _nothing_written()


def test_other_methods_do_not_need_a_note(purposes, customer):
    rec = _record(customer, purposes["email-marketing"], SYSTEM, method=ConsentRecord.Method.WEB_FORM, note="")
    assert rec.pk


def test_an_inactive_purpose_takes_no_new_records(purposes, customer, users):
    purpose = purposes["phone-marketing"]
    purpose.active = False
    purpose.save()
    with pytest.raises(ValidationError) as exc:
        _record(customer, purpose, users["agent"])
    assert "no longer in use" in exc.value.message_dict["purpose"][0]
    assert _nothing_written()


def test_an_unknown_method_is_refused(purposes, customer, users):
    with pytest.raises(ValidationError) as exc:
        _record(customer, purposes["email-marketing"], users["agent"], method="telepathy")
    assert "method" in exc.value.message_dict
    assert _nothing_written()


def test_a_record_in_the_future_is_refused(purposes, customer, users):
    with pytest.raises(ValidationError) as exc:
        _record(customer, purposes["email-marketing"], users["agent"],
                recorded_at=timezone.now() + datetime.timedelta(days=1))
    assert "recorded_at" in exc.value.message_dict
    assert _nothing_written()


def test_a_customer_of_another_team_does_not_exist_for_the_agent(purposes, south, users):
    other = CustomerFactory(team=south)
    with pytest.raises(NotFound):
        _record(other, purposes["email-marketing"], users["agent"])
    assert _nothing_written()


def test_marketing_may_not_record_consents(purposes, customer, users):
    with pytest.raises(PermissionDenied):
        _record(customer, purposes["email-marketing"], users["marketer"])
    assert _nothing_written()


def test_a_merged_customer_takes_no_records_the_survivor_does(purposes, customer, north, users):
    from customers.services import customer_bulk_update

    survivor = CustomerFactory(team=north)
    customer.status, customer.merged_into = Customer.Status.MERGED, survivor
    customer_bulk_update(customers=[customer], fields=["status", "merged_into"], by=SYSTEM, reason="merged (test)")
    with pytest.raises(ValidationError) as exc:
        _record(customer, purposes["email-marketing"], users["agent"])
    assert survivor.customer_number in exc.value.messages[0]
    assert _nothing_written()
