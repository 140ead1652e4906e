"""Admin: consent records are read-only evidence; purposes and notice versions are saved through services."""

import pytest
from django.urls import reverse

from cdm import access
from cdm.access import SYSTEM
from cdm.models import AuditEvent
from consent.models import ConsentRecord, PrivacyNotice, Purpose
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["steward", "admin"])
def test_consent_records_are_read_only_in_the_admin(client, users, record, username):
    rec = record(note="Said yes on the phone.")
    client.force_login(users[username])
    changelist = client.get(reverse("admin:consent_consentrecord_changelist"))
    assert changelist.status_code == 200 and rec.customer.customer_number in changelist.content.decode()
    assert client.get(reverse("admin:consent_consentrecord_add")).status_code == 403
    change_url = reverse("admin:consent_consentrecord_change", args=[rec.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert "Said yes on the phone." in page.content.decode() and 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"granted": "", "note": "tampered"}).status_code == 403
    delete = client.post(reverse("admin:consent_consentrecord_delete", args=[rec.pk]), {"post": "yes"})
    assert delete.status_code == 403
    rec = ConsentRecord.objects.get(pk=rec.pk)
    assert rec.granted is True and rec.note == "Said yes on the phone."


def test_the_record_list_filters_and_searches(client, users, record, customer, south):
    record("email-marketing", granted=True)
    other = CustomerFactory(team=south, family_name="Southgate")
    record("sms-marketing", granted=False, customer=other, method="web_form", note="")
    client.force_login(users["steward"])
    url = reverse("admin:consent_consentrecord_changelist")
    sms = client.get(url, {"purpose__id__exact": Purpose.objects.get(key="sms-marketing").pk}).content.decode()
    assert other.customer_number in sms and customer.customer_number not in sms
    withdrawn = client.get(url, {"granted__exact": "0"}).content.decode()
    assert other.customer_number in withdrawn and customer.customer_number not in withdrawn
    web = client.get(url, {"method__exact": "web_form"}).content.decode()
    assert other.customer_number in web and customer.customer_number not in web
    found = client.get(url, {"q": customer.customer_number}).content.decode()
    assert customer.customer_number in found and other.customer_number not in found


def test_a_team_scoped_staff_user_sees_only_the_teams_records(client, users, record, north, south):
    lead = UserFactory(username="lead", roles=[access.CUSTOMER_SERVICE], teams=[north], is_staff=True)
    mine = record()
    theirs = record(customer=CustomerFactory(team=south))
    client.force_login(lead)
    body = client.get(reverse("admin:consent_consentrecord_changelist")).content.decode()
    assert mine.customer.customer_number in body and theirs.customer.customer_number not in body
    assert client.get(reverse("admin:consent_consentrecord_change", args=[theirs.pk])).status_code == 404


def test_an_admin_adds_a_purpose_through_the_service(client, users, purposes):
    client.force_login(users["admin"])
    response = client.post(reverse("admin:consent_purpose_add"), {
        "key": "postal-marketing", "name": "Postal marketing", "short_name": "Post", "description": "", "active": "on"})
    assert response.status_code == 302
    purpose = Purpose.objects.get(key="postal-marketing")
    event = AuditEvent.objects.get(action="consent.purpose_create")
    assert event.actor == users["admin"] and event.object_id == str(purpose.pk)


def test_a_purposes_key_cannot_change_and_purposes_are_not_deleted(client, users, purposes):
    purpose = purposes["profiling"]
    client.force_login(users["admin"])
    url = reverse("admin:consent_purpose_change", args=[purpose.pk])
    response = client.post(url, {"key": "renamed", "name": "Profiling", "short_name": "", "description": ""})
    assert response.status_code == 302
    purpose.refresh_from_db()
    assert purpose.key == "profiling" and purpose.active is False  # unticked: deactivated
    assert client.post(reverse("admin:consent_purpose_delete", args=[purpose.pk]), {"post": "yes"}).status_code == 403


def test_a_notice_version_with_consents_can_no_longer_be_edited(client, users, purposes, record):
    from consent import services

    notice = services.privacy_notice_save(notice=PrivacyNotice(version="2025-01", text="We keep your data safe."),
                                          by=SYSTEM)
    record(notice=notice)
    client.force_login(users["admin"])
    url = reverse("admin:consent_privacynotice_change", args=[notice.pk])
    client.post(url, {"version": "2025-01b", "text": "Rewritten.", "published_at_0": "2025-01-01",
                      "published_at_1": "00:00:00"})
    notice.refresh_from_db()
    assert (notice.version, notice.text) == ("2025-01", "We keep your data safe.")


def test_the_notice_service_refuses_to_rewrite_a_version_in_use(purposes, record):
    from django.core.exceptions import ValidationError

    from consent import services

    notice = services.privacy_notice_save(notice=PrivacyNotice(version="v1", text="Old."), by=SYSTEM)
    record(notice=notice)
    notice.text = "New."
    with pytest.raises(ValidationError):
        services.privacy_notice_save(notice=notice, by=SYSTEM)
    assert PrivacyNotice.objects.get(pk=notice.pk).text == "Old."
