"""E-mail verification by a signed, expiring, single-use link; phone verification by a 6-digit code by SMS;
the flags on the 360° page, cleared when the address or number changes."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from customers import services, sms
from customers.models import Customer, PhoneVerification
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.CDM_SMS_BACKEND = "customers.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def fresh(customer):
    return Customer.objects.get(pk=customer.pk)


def emailed_link(client_post, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_post()
    assert response.status_code == 302
    return re.search(r"http://127\.0\.0\.1:8000(/customers/verify/email/[^\s]+/)", mail.outbox[-1].body).group(1)


def send_email_link(client, customer, capture):
    url = reverse("customers:verify_email", args=[customer.customer_number])
    return emailed_link(lambda: client.post(url), capture)


# --- e-mail -----------------------------------------------------------------------------------

def test_the_customer_verifies_their_address_from_the_emailed_link_once(client, users, customer,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    link = send_email_link(client, customer, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == [customer.email]
    assert AuditEvent.objects.filter(action="customer.verify_email_sent", object_id=str(customer.pk)).exists()
    client.logout()

    page = client.get(link)  # opening the link asks; a mail scanner following it verifies nothing
    assert page.status_code == 200 and customer.email in page.content.decode()
    assert fresh(customer).email_verified_at is None
    assert client.post(link).status_code == 302
    verified = fresh(customer)
    assert verified.email_verified_at is not None
    assert verified.history.first().history_change_reason == "E-mail address verified by the customer"

    again = client.get(link)
    assert again.status_code == 200 and "is verified" in again.content.decode()
    client.post(link)  # a replay changes nothing
    assert fresh(customer).email_verified_at == verified.email_verified_at


def test_the_link_stops_working_when_the_address_changes(client, users, customer, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    link = send_email_link(client, customer, django_capture_on_commit_callbacks)
    services.customer_update(customer=customer, by=users["agent"], version=fresh(customer).version,
                             email="ada.new@example.org")
    client.logout()
    assert client.get(link).status_code == 404
    client.post(link)
    assert fresh(customer).email_verified_at is None


def test_an_expired_or_tampered_link_is_refused(client, customer):
    token = services.email_verification_token(customer)
    with freeze_time(timezone.now() + datetime.timedelta(hours=49)):
        expired = client.get(reverse("customers:verify_email_confirm", args=[token]))
        assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert client.get(reverse("customers:verify_email_confirm", args=[token[:-2] + "xx"])).status_code == 404
    client.post(reverse("customers:verify_email_confirm", args=[token[:-2] + "xx"]))
    assert fresh(customer).email_verified_at is None


def test_verification_is_sent_only_by_users_who_may_change_contact_data(client, users, customer):
    url = reverse("customers:verify_email", args=[customer.customer_number])
    client.force_login(users["marketer"])  # sees the customer, may not change contact data
    assert client.post(url).status_code == 403
    client.force_login(users["agent-south"])  # another team: the customer does not exist for them
    assert client.post(url).status_code == 404
    assert len(mail.outbox) == 0


def test_a_customer_without_an_address_gets_a_message_not_an_error(client, users, north):
    customer = CustomerFactory(team=north, email="")
    client.force_login(users["agent"])
    response = client.post(reverse("customers:verify_email", args=[customer.customer_number]), follow=True)
    assert "no e-mail address to verify" in response.content.decode()


def test_a_sixth_link_within_the_hour_is_refused_saying_when_the_next_may_go(
        client, users, customer, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    url = reverse("customers:verify_email", args=[customer.customer_number])
    for _ in range(5):
        send_email_link(client, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, follow=True).content.decode()
    assert "5 messages were sent to this customer in the last hour. Try again in 60 minutes." in page
    assert len(mail.outbox) == 5
    assert AuditEvent.objects.filter(action="customer.verify_email_sent").count() == 5


# --- phone ------------------------------------------------------------------------------------

def send_code(client, customer, sms_outbox, capture):
    url = reverse("customers:verify_phone", args=[customer.customer_number])
    with capture(execute=True):
        assert client.post(url, {"action": "send"}).status_code == 302
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def check_code(client, customer, code):
    return client.post(reverse("customers:verify_phone", args=[customer.customer_number]), {"code": code}, follow=True)


def test_the_agent_types_the_code_the_customer_reads_back_and_the_phone_is_verified(
        client, users, customer, sms_outbox, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    code = send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
    assert sms_outbox[-1].to == customer.phone
    stored = PhoneVerification.objects.get(customer=customer)
    assert code not in stored.code_hash  # only a keyed hash is kept
    response = check_code(client, customer, f"{code[:3]} {code[3:]}")
    assert "The phone number is verified." in response.content.decode()
    assert fresh(customer).phone_verified_at is not None
    assert "Send verification code" not in response.content.decode()


def test_five_wrong_codes_spend_the_code(client, users, customer, sms_outbox, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    code = send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert f"{left} attempts left" in check_code(client, customer, wrong).content.decode()
    assert "Too many wrong codes" in check_code(client, customer, wrong).content.decode()
    assert "Too many wrong codes" in check_code(client, customer, code).content.decode()  # even the right one now
    assert fresh(customer).phone_verified_at is None
    assert PhoneVerification.objects.get(customer=customer).attempts == 5


def test_a_code_expires_after_ten_minutes_and_a_new_code_replaces_the_old(
        client, users, customer, sms_outbox, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    old = send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=11)):
        assert "expired" in check_code(client, customer, old).content.decode()
        new = send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
        if new != old:
            assert "not the code" in check_code(client, customer, old).content.decode()
        check_code(client, customer, new)
    assert fresh(customer).phone_verified_at is not None


def test_changing_the_address_or_number_clears_its_verified_flag(users, customer):
    now = timezone.now()
    services.customer_email_verify(token=services.email_verification_token(customer), by=SYSTEM)
    verification = services.customer_phone_verification_send(customer=customer, by=SYSTEM)
    code = "123456"
    PhoneVerification.objects.filter(pk=verification.pk).update(
        code_hash=services.verification._code_hash(customer.pk, customer.phone, code))
    services.customer_phone_verify(customer=customer, code=code, by=SYSTEM)
    current = fresh(customer)
    assert current.email_verified_at and current.phone_verified_at and current.email_verified_at >= now

    services.customer_update(customer=current, by=users["agent"], version=current.version, city="Leeds")
    assert fresh(customer).email_verified_at and fresh(customer).phone_verified_at  # other fields: flags stay
    current = fresh(customer)
    services.customer_update(customer=current, by=users["agent"], version=current.version, email="ada@example.net")
    assert fresh(customer).email_verified_at is None and fresh(customer).phone_verified_at is not None
    current = fresh(customer)
    services.customer_update(customer=current, by=users["agent"], version=current.version, phone="+1 202 555 0199")
    assert fresh(customer).phone_verified_at is None


def test_the_360_page_shows_the_flags_and_the_actions_only_to_who_may_use_them(client, users, customer):
    services.customer_email_verify(token=services.email_verification_token(customer), by=SYSTEM)
    client.force_login(users["agent"])
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "Verified" in page and "Not verified" in page
    assert "Send verification code" in page and "Send verification e-mail" not in page  # e-mail already verified
    client.force_login(users["marketer"])
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "Not verified" in page and "Send verification code" not in page


def test_a_wrong_code_is_a_field_error_and_still_counts(customer):
    services.customer_phone_verification_send(customer=customer, by=SYSTEM)
    with pytest.raises(ValidationError) as exc:
        services.customer_phone_verify(customer=customer, code="12", by=SYSTEM)
    assert "code" in exc.value.message_dict
    assert PhoneVerification.objects.get(customer=customer).attempts == 1


def test_a_sixth_code_within_the_hour_is_refused_and_the_last_code_still_works(
        client, users, customer, sms_outbox, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    url = reverse("customers:verify_phone", args=[customer.customer_number])
    codes = [send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"action": "send"}, follow=True).content.decode()
    assert "5 messages were sent to this customer in the last hour." in page
    assert len(sms_outbox) == 5
    assert PhoneVerification.objects.filter(customer=customer).count() == 5
    check_code(client, customer, codes[-1])  # the refusal did not spend the code the customer holds
    assert fresh(customer).phone_verified_at is not None


def test_codes_can_be_sent_again_an_hour_after_the_first(
        client, users, customer, sms_outbox, django_capture_on_commit_callbacks):
    client.force_login(users["agent"])
    with freeze_time(timezone.now()) as frozen:
        for _ in range(5):
            send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
            frozen.tick(datetime.timedelta(minutes=10))
        # 50 minutes after the first code: it leaves the hour in 10 minutes, and a sixth may go then.
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(reverse("customers:verify_phone", args=[customer.customer_number]),
                               {"action": "send"}, follow=True).content.decode()
        assert "Try again in 10 minutes." in page
        frozen.tick(datetime.timedelta(minutes=11))
        send_code(client, customer, sms_outbox, django_capture_on_commit_callbacks)
    assert len(sms_outbox) == 6
