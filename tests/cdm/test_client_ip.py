"""The audit log's IP address: the client address as our own proxies saw it, never what a client claims."""

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from cdm.client_ip import client_ip
from cdm.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def revealer(users):
    steward = users["steward"]
    steward.user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    return type(steward).objects.get(pk=steward.pk)


def _reveal_ip(client, revealer, customer, **meta) -> str | None:
    """The IP address the audit event of one reveal stores, for a request carrying `meta`."""
    client.force_login(revealer)
    response = client.post(reverse("customers:reveal", args=[customer.customer_number]), **meta)
    assert response.status_code == 200
    return AuditEvent.objects.filter(action="customer.reveal").latest("id").ip_address


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(client, revealer, customer, settings):
    settings.CDM_TRUSTED_PROXY_COUNT = 0
    ip = _reveal_ip(client, revealer, customer, HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.7")
    assert ip == "203.0.113.7"


def test_with_one_trusted_proxy_the_hop_it_appended_is_the_client(client, revealer, customer, settings):
    # The client sent "X-Forwarded-For: 6.6.6.6"; our proxy (10.0.0.2) appended the address it saw.
    settings.CDM_TRUSTED_PROXY_COUNT = 1
    ip = _reveal_ip(client, revealer, customer, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20", REMOTE_ADDR="10.0.0.2")
    assert ip == "198.51.100.20"


def test_with_two_trusted_proxies_the_first_proxys_hop_is_the_client(settings):
    settings.CDM_TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20, 10.0.0.1",
                                   REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "198.51.100.20"


@pytest.mark.parametrize("meta", [
    {"REMOTE_ADDR": "not-an-ip"},
    {"REMOTE_ADDR": "not-an-ip", "HTTP_X_FORWARDED_FOR": "not-an-ip"},
])
def test_an_address_that_is_not_an_ip_is_stored_as_null(client, revealer, customer, settings, meta):
    settings.CDM_TRUSTED_PROXY_COUNT = 0
    assert _reveal_ip(client, revealer, customer, **meta) is None


def test_a_trusted_proxy_passing_junk_is_stored_as_null_not_as_text(client, revealer, customer, settings):
    settings.CDM_TRUSTED_PROXY_COUNT = 1
    assert _reveal_ip(client, revealer, customer, HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="not-an-ip") is None
    assert list(AuditEvent.objects.filter(action="customer.reveal").values_list("ip_address", flat=True)) == [None]


def test_ipv6_clients_are_recorded(settings):
    settings.CDM_TRUSTED_PROXY_COUNT = 0
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="2001:db8::7")) == "2001:db8::7"
