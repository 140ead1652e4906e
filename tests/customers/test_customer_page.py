"""The 360° page: what each role sees, the timeline, the live-record banner and the audited reveal."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cdm.access import SYSTEM
from cdm.models import AuditEvent
from customers import services
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(customer, users):
    """A customer with a bit of everything, spread over time."""
    now = timezone.now()
    services.product_holding_create(customer=customer, product=ProductFactory(code="premium", name="Premium plan"),
                                    started_on=datetime.date(2023, 5, 1), by=SYSTEM)
    services.order_create(customer=customer, order_number="ORD-1", placed_at=now - datetime.timedelta(days=3),
                          lines=[{"sku": "SKU-1", "description": "Router", "unit_price": "49.90"}], by=SYSTEM)
    services.activity_record(customer=customer, kind="email_open", occurred_at=now - datetime.timedelta(days=2),
                             properties={"campaign": "spring"}, by=SYSTEM)
    services.note_create(customer=customer, by=users["agent"], body="Prefers calls after 5pm",
                         created_at=now - datetime.timedelta(days=1))
    services.service_request_create(customer=customer, by=users["agent"], subject="Router keeps rebooting",
                                    opened_at=now - datetime.timedelta(hours=5))
    return customer


def _page(client, user, customer, **params):
    client.force_login(user)
    return client.get(customer.get_absolute_url(), params)


def test_the_agent_sees_contact_products_requests_and_notes_but_no_behaviour(client, busy, users):
    body = _page(client, users["agent"], busy).content.decode()
    for text in ("Contact data", "Premium plan", "Router keeps rebooting", "Prefers calls after 5pm", "ORD-1"):
        assert text in body
    assert "E-mail opened" not in body  # behaviour belongs to marketing


def test_marketing_sees_behaviour_but_no_service_texts(client, busy, users):
    body = _page(client, users["marketer"], busy).content.decode()
    assert "E-mail opened" in body and "Premium plan" in body
    assert "Router keeps rebooting" not in body and "Prefers calls" not in body


def test_the_timeline_is_newest_first_and_paginated(client, busy, users):
    now = timezone.now()
    for i in range(25):
        services.note_create(customer=busy, by=users["agent"], body=f"Old note {i:02d}",
                             created_at=now - datetime.timedelta(days=30 + i))
    body = _page(client, users["steward"], busy).content.decode()
    timeline = body[body.index('id="timeline"'):]
    assert timeline.index("Router keeps rebooting") < timeline.index("Prefers calls") < timeline.index("ORD-1")
    assert "Old note 24" not in timeline and "Older" in timeline
    older = client.get(reverse("customers:timeline", args=[busy.customer_number]), {"page": 2}).content.decode()
    assert "Old note 24" in older and "Router keeps rebooting" not in older


# The 360° page's queries for an agent: session, user, one for roles, permissions and rights; the customer
# (with "may change" folded in); open requests, notes, feedback; purposes and consents; holdings; the
# timeline (one UNION); history; possible duplicates; the assignees and the purposes for the two forms.
PAGE_QUERIES = 15


@pytest.mark.parametrize("username", ["agent", "steward"])
def test_the_page_runs_a_constant_number_of_queries(client, busy, users, username):
    def count():
        client.force_login(users[username])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(busy.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    assert before <= PAGE_QUERIES, before
    now = timezone.now()
    for i in range(15):
        services.note_create(customer=busy, by=users["agent"], body=f"n{i}", created_at=now)
        services.activity_record(customer=busy, kind="login", occurred_at=now, by=SYSTEM)
        services.product_holding_create(customer=busy, product=ProductFactory(code=f"p{i}"), started_on=now.date(), by=SYSTEM)
        services.customer_update(customer=busy, by=users["agent"], version=busy.version + i, job_title=f"Job {i}")
    assert count() == before


def test_the_open_page_learns_of_another_users_change(client, customer, users):
    client.force_login(users["agent"])
    url = reverse("customers:version", args=[customer.customer_number])
    assert client.get(url, {"v": customer.version}).content.decode().strip() == ""
    services.customer_update(customer=customer, by=users["steward"], version=customer.version, city="Boston",
                             region="MA", postal_code="02108", address_line1="1 Beacon St", reason="Moved")
    banner = client.get(url, {"v": customer.version}).content.decode()
    assert "Changed by" in banner and users["steward"].get_full_name() in banner and "Reload" in banner


def test_sensitive_data_is_hidden_until_an_audited_reveal(client, customer, users):
    steward = users["steward"]
    url = reverse("customers:reveal", args=[customer.customer_number])
    body = _page(client, steward, customer).content.decode()
    assert "AB123456C" not in body and "Reveal" not in body  # no permission: not even the button
    assert client.post(url).status_code == 403
    steward.user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    client.force_login(type(steward).objects.get(pk=steward.pk))
    body = client.get(customer.get_absolute_url()).content.decode()
    assert "Reveal" in body and "AB123456C" not in body
    assert client.get(url).status_code == 405
    revealed = client.post(url).content.decode()
    assert "AB123456C" in revealed and "85000.00" in revealed
    event = AuditEvent.objects.get(action="customer.reveal")
    assert event.actor == steward and event.object_id == str(customer.pk)


def test_marketing_cannot_reach_the_national_id_by_url(client, customer, users):
    client.force_login(users["marketer"])
    assert client.post(reverse("customers:reveal", args=[customer.customer_number])).status_code == 403
    assert not AuditEvent.objects.filter(action="customer.reveal").exists()


@pytest.mark.parametrize("name", ["timeline", "version", "reveal"])
def test_the_pages_parts_are_404_for_another_team(client, customer, users, name):
    client.force_login(users["agent-south"])
    url = reverse(f"customers:{name}", args=[customer.customer_number])
    response = client.post(url) if name == "reveal" else client.get(url)
    assert response.status_code == 404


def test_the_header_flags_a_suspected_duplicate(client, customer, users, north, south):
    from tests.factories import CustomerFactory

    twin = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", email=customer.email.upper())
    hidden_twin = CustomerFactory(team=south, given_name="Ada", family_name="Lovelace", phone=customer.phone)
    body = _page(client, users["agent"], customer).content.decode()
    assert "Suspected duplicate of" in body and twin.customer_number in body
    assert hidden_twin.customer_number not in body  # another team's customer stays invisible
    alone = CustomerFactory(team=north, given_name="Charles", family_name="Babbage")
    assert "Suspected duplicate" not in _page(client, users["agent"], alone).content.decode()
