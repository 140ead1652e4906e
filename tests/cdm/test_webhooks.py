"""Outbound webhooks (Standard Webhooks) fed by the transactional outbox: what a destination notices."""

from __future__ import annotations

import datetime
import json
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from cdm import tasks
from cdm.access import ADMIN, MARKETING, SYSTEM
from cdm.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from cdm.webhooks import origin, outbox_record, services, signing
from customers import services as customer_services
from tests.cdm.webhook_receiver import relay_by_hand, serve  # noqa: F401 (relay_by_hand: autouse)
from tests.factories import CustomerFactory, UserFactory

ALL_CUSTOMER_EVENTS = ["customer.created", "customer.updated", "customer.merged", "customer.unmerged",
                       "customer.archived", "consent.changed"]


@pytest.fixture
def receiver():
    server, state = serve()
    yield state
    if state.hold is not None:
        state.hold.set()
    server.shutdown()
    server.server_close()


def endpoint_new(url, *, events=ALL_CUSTOMER_EVENTS, **kwargs) -> tuple[WebhookEndpoint, str]:
    kwargs.setdefault("role", MARKETING)
    endpoint = WebhookEndpoint(name=kwargs.pop("name", "CRM"), url=url, event_types=list(events), **kwargs)
    secret = services.webhook_endpoint_save(endpoint=endpoint, by=SYSTEM)
    return endpoint, secret


def bodies(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received]


def due_now():
    WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).update(next_attempt_at=timezone.now())


# --- signatures ------------------------------------------------------------------------------------

def test_signature_matches_the_standard_webhooks_test_vector():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
               "webhook-signature": signature}
    signing.verify(secret, headers, b'{"test": 2432232314}', now=1614265330)
    with pytest.raises(signing.VerificationError):
        signing.verify(secret, headers, b'{"test": 2432232315}', now=1614265330)
    with pytest.raises(signing.VerificationError, match="timestamp"):
        signing.verify(secret, headers, b'{"test": 2432232314}', now=1614265330 + 3600)


def test_a_new_secret_is_shown_in_the_spec_format():
    secret = signing.secret_new()
    assert secret.startswith("whsec_") and len(secret) > 40


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_sign_and_a_receiver_with_either_verifies(receiver, customer):
    endpoint, old = endpoint_new(receiver.url)
    new = services.webhook_endpoint_rotate_secret(endpoint=endpoint, by=SYSTEM)
    assert new != old and new.startswith("whsec_")
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    signing.verify(old, got.headers, got.body)
    signing.verify(new, got.headers, got.body)
    # A day later only the new secret signs.
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets(now=timezone.now() + datetime.timedelta(hours=25)) == [new]


# --- the outbox -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_created_or_updated_customer_writes_exactly_one_outbox_event(receiver, north):
    endpoint_new(receiver.url)
    customer = customer_services.customer_create(by=SYSTEM, team=north, given_name="Grace", family_name="Hopper",
                                                 email="grace@example.com")
    assert list(OutboxEvent.objects.values_list("type", "object_id")) == [("customer.created", str(customer.pk))]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Arlington")
    assert sorted(OutboxEvent.objects.values_list("type", flat=True)) == ["customer.created", "customer.updated"]


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event(receiver, customer, monkeypatch):
    endpoint_new(receiver.url)

    def fail(*args, **kwargs):
        raise RuntimeError("boom after the save")

    # The last step of customer_update fails after the row and the event were written: both roll back.
    monkeypatch.setattr("customers.services.duplicates.customer_matches_raise", fail)
    with pytest.raises(RuntimeError):
        customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    assert not OutboxEvent.objects.exists()
    customer.refresh_from_db()
    assert customer.city != "Leeds"


@pytest.mark.django_db
def test_without_a_subscriber_no_event_is_written(customer):
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_merge_undo_archive_and_consent_are_announced(receiver, north, default_purposes, settings):
    endpoint_new(receiver.url, role=ADMIN)
    a = CustomerFactory(team=north, given_name="Ann", family_name="Lee", email="ann@example.com")
    b = CustomerFactory(team=north, given_name="Ann", family_name="Lee", email="ann.lee@example.com")
    merge = customer_services.customers_merge(survivor=a, absorbed=[b], by=SYSTEM)
    customer_services.merge_undo(merge=merge, by=SYSTEM)
    from consent.services import consent_record

    consent_record(customer=a, purpose=default_purposes["email-marketing"], granted=True, method="verbal",
                   note="Caller (the customer herself) asked for the newsletter.", by=SYSTEM)
    customer_services.customer_archive_inactive(by=SYSTEM, days=-1)
    tasks.webhooks_relay()
    by_type = {}
    for body in bodies(receiver):
        by_type.setdefault(body["type"], []).append(body["data"])
    assert len(by_type["customer.merged"]) == len(by_type["customer.unmerged"]) == 1
    assert by_type["customer.merged"][0]["absorbed"] == [b.customer_number]
    assert by_type["customer.unmerged"][0]["restored"] == [b.customer_number]
    consent = by_type["consent.changed"][0]
    assert (consent["customer_number"], consent["purpose"], consent["granted"]) == (
        a.customer_number, "email-marketing", True)
    assert {d["customer_number"] for d in by_type["customer.archived"]} == {a.customer_number, b.customer_number}


# --- delivery ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_relay_delivers_signed_events_to_a_real_receiver(receiver, customer):
    endpoint, secret = endpoint_new(receiver.url)
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    event = OutboxEvent.objects.get()
    tasks.webhooks_relay()
    (got,) = receiver.received
    assert got.headers["webhook-id"] == event.webhook_id
    assert got.headers["webhook-id"].startswith("msg_")
    assert abs(int(got.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    signing.verify(secret, got.headers, got.body)
    body = json.loads(got.body)
    assert body["type"] == "customer.updated"
    assert datetime.datetime.fromisoformat(body["timestamp"]) == event.occurred_at
    assert body["data"]["customer_number"] == customer.customer_number
    assert body["data"]["city"] == "Leeds"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_response_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.last_duration_ms is not None and delivery.log.count() == 1
    event.refresh_from_db()
    assert event.published_at is not None
    # No endpoint may receive sensitive fields: the outbox holds none, not even encrypted.
    assert event.sensitive == "" and "national_id" not in json.dumps(event.payload)


@pytest.mark.django_db
def test_running_the_relay_twice_sends_once(receiver, customer):
    endpoint_new(receiver.url)
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    tasks.webhooks_relay()
    tasks.webhooks_retry_due()
    # Even an event marked unpublished again (a relay interrupted after sending) is not sent twice.
    OutboxEvent.objects.update(published_at=None)
    tasks.webhooks_relay()
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_every_event_is_delivered_exactly_once(receiver, north):
    endpoint_new(receiver.url)
    customers = [CustomerFactory(team=north) for _ in range(5)]
    for c in customers:
        customer_services.customer_update(customer=c, by=SYSTEM, version=c.version, city="York")
    assert OutboxEvent.objects.count() == 10
    tasks.webhooks_relay()
    tasks.webhooks_relay()
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert sorted(ids) == sorted(e.webhook_id for e in OutboxEvent.objects.all())


@pytest.mark.django_db
def test_events_saved_while_the_broker_is_down_go_out_once_it_is_back(receiver, customer, settings, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    settings.CDM_WEBHOOKS_RELAY_ON_COMMIT = "task"
    endpoint_new(receiver.url)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.webhooks_relay, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        saved = customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version,
                                                  city="Leeds")
    assert saved.city == "Leeds"  # the save went through
    assert receiver.received == []
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1
    monkeypatch.undo()
    tasks.webhooks_relay()  # the periodic relay, once Redis is back
    assert [json.loads(r.body)["data"]["city"] for r in receiver.received] == ["Leeds"]


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_with_the_same_webhook_id(receiver, customer):
    endpoint_new(receiver.url)
    receiver.answers = [(500, {})]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    started = timezone.now()
    tasks.webhooks_relay()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_response_code) == ("failed", 500)
    # The first retry is about 5 s later (±10 % jitter).
    assert 4 <= (delivery.next_attempt_at - started).total_seconds() <= 7
    tasks.webhooks_retry_due()
    assert len(receiver.received) == 1  # not due yet
    due_now()
    tasks.webhooks_retry_due()
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert list(delivery.log.values_list("response_code", flat=True)) == [500, 200]


@pytest.mark.django_db
def test_a_delivery_failing_through_the_whole_schedule_is_dead(receiver, customer):
    endpoint_new(receiver.url)
    receiver.answers = [(500, {})] * 7
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    for _ in range(6):
        due_now()
        tasks.webhooks_retry_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.log.count()) == ("dead", 7, 7)
    assert len(receiver.received) == 7


@pytest.mark.django_db
def test_410_disables_the_endpoint_and_nothing_more_is_sent(receiver, customer):
    endpoint, _secret = endpoint_new(receiver.url)
    receiver.answers = [(410, {})]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    endpoint.refresh_from_db()
    assert endpoint.status == "disabled" and "410" in endpoint.status_reason
    customer = type(customer).objects.get(pk=customer.pk)
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="York")
    due_now()
    tasks.webhooks_relay()
    tasks.webhooks_retry_due()
    assert len(receiver.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(receiver, customer, status):
    endpoint_new(receiver.url)
    receiver.answers = [(status, {"Retry-After": "3600"})]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    started = timezone.now()
    tasks.webhooks_relay()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert (delivery.next_attempt_at - started) >= datetime.timedelta(seconds=3600)


@pytest.mark.django_db
def test_failing_for_a_day_pauses_the_endpoint_and_tells_the_admins_once(receiver, customer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="boss", email="boss@example.com", roles=[ADMIN])
    UserFactory(username="clerk", email="clerk@example.com", roles=[MARKETING])
    endpoint, _secret = endpoint_new(receiver.url, name="Shop")
    receiver.answers = [(500, {})]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    endpoint.refresh_from_db()
    assert endpoint.status == "active" and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - datetime.timedelta(hours=25))
    due_now()
    tasks.webhooks_retry_due()
    endpoint.refresh_from_db()
    assert endpoint.status == "paused" and "failed since" in endpoint.status_reason
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["boss@example.com"] and "Shop" in mail.outbox[0].subject
    sent = len(receiver.received)
    due_now()
    tasks.webhooks_retry_due()
    assert len(receiver.received) == sent  # paused: nothing goes out
    assert len(mail.outbox) == 1
    # Resumed, the waiting delivery goes out.
    services.webhook_endpoint_resume(endpoint=endpoint, by=SYSTEM)
    tasks.webhooks_retry_due()
    assert WebhookDelivery.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_an_endpoint_with_the_marketing_policy_never_receives_service_or_sensitive_fields(receiver, customer):
    endpoint_new(receiver.url + "?marketing", role=MARKETING, name="Marketing tool")
    endpoint_new(receiver.url + "?risk", role="", field_groups=["identity", "sensitive"], name="Risk engine")
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    outbox_record("customer.updated", object_type="customers.customer", object_id=str(customer.pk),
                  data={"customer_number": customer.customer_number},
                  fields={"service": {"last_complaint": "The parcel was late"},
                          "sensitive": {"national_id": "AB 123 456 C"}})
    # Sensitive values are not in the outbox's plain JSON.
    assert "AB 123 456 C" not in json.dumps(list(OutboxEvent.objects.values_list("payload", flat=True)))
    tasks.webhooks_relay()
    marketing = [json.loads(d.body)["data"] for d in receiver.received if d.path.endswith("?marketing")]
    risk = [json.loads(d.body)["data"] for d in receiver.received if d.path.endswith("?risk")]
    assert len(marketing) == 2 and len(risk) == 2
    for data in marketing:
        assert "national_id" not in data and "annual_income" not in data and "last_complaint" not in data
        assert data["customer_number"] == customer.customer_number
    assert marketing[0]["email"] == customer.email and marketing[0]["city"] == "Leeds"
    stored = type(customer).objects.get(pk=customer.pk).national_id
    assert {d["national_id"] for d in risk} == {stored, "AB 123 456 C"}
    assert all("email" not in d and "last_complaint" not in d for d in risk)


@pytest.mark.django_db
def test_a_change_from_a_system_is_not_echoed_back_to_it(receiver, customer):
    shop, _s = endpoint_new(receiver.url + "?shop", system="shop", name="Shop")
    crm, _c = endpoint_new(receiver.url + "?crm", system="crm", name="CRM")
    with origin("shop"):
        customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    assert OutboxEvent.objects.get().origin_system == "shop"
    tasks.webhooks_relay()
    assert list(WebhookDelivery.objects.values_list("endpoint__system", flat=True)) == ["crm"]
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_replay_since_a_time_sends_the_failed_deliveries_again(receiver, customer):
    endpoint_new(receiver.url)
    receiver.answers = [(500, {})] * 7
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    for _ in range(6):
        due_now()
        tasks.webhooks_retry_due()
    assert WebhookDelivery.objects.get().status == "dead"
    with pytest.raises(ValidationError) as refused:
        services.webhook_deliveries_replay(since=timezone.now() + datetime.timedelta(hours=1), by=SYSTEM)
    assert "since" in refused.value.message_dict
    assert services.webhook_deliveries_replay(since=timezone.now() - datetime.timedelta(hours=1), by=SYSTEM) == 1
    tasks.webhooks_retry_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.log.count() == 8
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_does_not_slow_the_save(receiver, north, settings):
    # The embedded default: no broker, so the on-commit relay runs in a thread, not inside the save.
    settings.CDM_WEBHOOKS_RELAY_ON_COMMIT = "thread"
    endpoint_new(receiver.url)
    customer = CustomerFactory(team=north)
    receiver.hold = threading.Event()  # the destination answers only when the test lets it
    saved = customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    # The save returned while the destination still holds its request (or before it was even sent).
    assert saved.city == "Leeds"
    assert type(customer).objects.get(pk=customer.pk).city == "Leeds"  # committed
    assert receiver.arrived.wait(10)
    assert not WebhookDelivery.objects.filter(status="succeeded").exists()
    receiver.hold.set()
    for thread in threading.enumerate():
        if thread.name == "cdm-webhooks-relay":
            thread.join(10)
    assert WebhookDelivery.objects.filter(status="succeeded").count() >= 1
    assert any(json.loads(r.body)["data"].get("city") == "Leeds" for r in receiver.received)


# --- the docs and the demo ---------------------------------------------------------------------

def _readme_verifier():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text.split("**Verifying a signature**", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 (our own README)
    return namespace["verify"]


@pytest.mark.django_db
def test_the_readme_verifier_accepts_a_real_delivery_and_refuses_a_changed_body(receiver, customer):
    verify = _readme_verifier()
    _endpoint, secret = endpoint_new(receiver.url)
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    (got,) = receiver.received
    assert verify(secret, got.headers, got.body) is True
    assert verify(secret, got.headers, got.body.replace(b"Leeds", b"Paris")) is False
    assert verify(signing.secret_new(), got.headers, got.body) is False


@pytest.mark.django_db
def test_the_demo_has_one_disabled_webhook_endpoint(settings):
    from customers.demo.webhooks import webhook_demo_ensure

    webhook_demo_ensure()
    webhook_demo_ensure()
    (endpoint,) = WebhookEndpoint.objects.all()
    assert endpoint.status == "disabled" and "Demo" in endpoint.name


@pytest.mark.django_db
def test_a_relay_does_not_queue_again_what_is_queued_already(customer):
    """The relay runs on every commit and every minute: while the workers catch up, a delivery handed to the
    broker is not handed again (a backlog does not multiply); once its lease passes, a lost one is."""
    endpoint_new("https://hooks.example.com/cdm")
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    services.webhooks_relay(by=SYSTEM)
    first = services.deliveries_due()
    assert len(first) == 1
    assert services.deliveries_due() == []  # queued: not again
    later = timezone.now() + services.QUEUE_LEASE + datetime.timedelta(seconds=1)
    assert services.deliveries_due(now=later) == first  # the message was lost: queued again
