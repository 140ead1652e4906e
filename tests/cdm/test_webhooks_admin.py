"""Webhooks in the admin: what an admin sees and does."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cdm import tasks
from cdm.access import SYSTEM
from cdm.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from cdm.webhooks import signing
from tests.cdm.test_webhooks import receiver  # noqa: F401 (fixture)
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

from tests.cdm.webhook_receiver import relay_by_hand  # noqa: F401 (autouse: deliveries run here, by hand)

ADD = reverse("admin:cdm_webhookendpoint_add")
CHANGELIST = reverse("admin:cdm_webhookendpoint_changelist")


def form(**overrides):
    data = {"name": "Shop", "url": "https://shop.example.com/hooks", "system": "shop",
            "event_types": ["customer.created", "customer.updated"], "role": "Marketing", "_save": "Save"}
    data.update(overrides)
    return data


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_new_endpoint_shows_its_secret_once(client, users):
    client.force_login(users["admin"])
    response = client.post(ADD, form(), follow=True)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    page = client.get(reverse("admin:cdm_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()  # never shown again
    # Saving it again keeps the secret.
    client.post(reverse("admin:cdm_webhookendpoint_change", args=[endpoint.pk]), form(name="Shop EU"))
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


@pytest.mark.parametrize("url", ["", "ftp://shop.example.com/hooks", "shop.example.com/hooks", "http://"])
def test_a_bad_url_is_refused_on_the_url_field(client, users, url):
    client.force_login(users["admin"])
    response = client.post(ADD, form(url=url))
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


def test_in_production_a_private_address_is_refused(client, users, settings):
    settings.CDM_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(users["admin"])
    response = client.post(ADD, form(url="http://127.0.0.1:9/hooks"))
    assert response.status_code == 200
    assert "private" in " ".join(response.context["adminform"].form.errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_stewards_do_not_manage_webhooks(client, users):
    client.force_login(users["steward"])
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:cdm_webhookdelivery_changelist")).status_code == 403


def _action(client, action, endpoints, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [e.pk for e in endpoints], **extra})


def test_rotate_the_secret_from_the_admin(client, users):
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    client.force_login(users["admin"])
    response = _action(client, "rotate_secret", [endpoint])
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_expires_at > timezone.now() + datetime.timedelta(hours=23)
    assert any(endpoint.secret in m for m in shown(response))


def test_send_a_test_event_and_read_the_delivery_log(client, users, receiver):  # noqa: F811
    endpoint = WebhookEndpointFactory(url=receiver.url)
    client.force_login(users["admin"])
    _action(client, "send_test_event", [endpoint])
    tasks.webhooks_relay()
    (got,) = receiver.received
    signing.verify(endpoint.secret, got.headers, got.body)
    assert b'"type":"webhook.test"' in got.body
    delivery = WebhookDelivery.objects.get()
    page = client.get(reverse("admin:cdm_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "200" in page.content.decode()
    assert client.get(reverse("admin:cdm_webhookdelivery_changelist") + "?status=succeeded").status_code == 200
    assert client.get(reverse("admin:cdm_outboxevent_changelist")).status_code == 200


def test_replay_failed_deliveries_since_a_time_from_the_admin(client, users, receiver):  # noqa: F811
    from customers import services as customer_services
    from tests.factories import CustomerFactory

    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=["customer.updated"])
    customer = CustomerFactory()
    receiver.answers = [(500, {})]
    customer_services.customer_update(customer=customer, by=SYSTEM, version=customer.version, city="Leeds")
    tasks.webhooks_relay()
    WebhookDelivery.objects.update(status=WebhookDelivery.Status.DEAD, next_attempt_at=None)
    client.force_login(users["admin"])
    page = _action(client, "replay_failed", [endpoint])
    assert page.status_code == 200 and "since" in page.content.decode()
    bad = _action(client, "replay_failed", [endpoint], apply="1", since="not a time")
    assert bad.status_code == 200 and bad.context["form"].errors["since"]
    since = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    done = _action(client, "replay_failed", [endpoint], apply="1", since=since)
    assert done.status_code == 302
    assert any("1 failed deliveries queued again" in m for m in shown(done))
    tasks.webhooks_retry_due()
    assert WebhookDelivery.objects.get().status == "succeeded"
    assert len(receiver.received) == 2


def test_resume_a_paused_endpoint(client, users):
    endpoint = WebhookEndpointFactory()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="paused", status_reason="failing",
                                                          failing_since=timezone.now())
    client.force_login(users["admin"])
    page = client.get(CHANGELIST)
    assert "paused" in page.content.decode().lower()
    _action(client, "resume", [endpoint])
    endpoint.refresh_from_db()
    assert (endpoint.status, endpoint.failing_since) == ("active", None)
    assert not OutboxEvent.objects.exists()
