"""A customer's records through the API as an integration notices them: orders, holdings, service requests,
notes; the field policy's groups (403) and the caller's rights (404)."""

import pytest
from django.urls import reverse

from cdm import access
from customers.models import Order, ProductHolding, ServiceRequest
from tests.api.conftest import token_client
from tests.factories import (
    CustomerFactory,
    NoteFactory,
    OrderFactory,
    ProductFactory,
    ProductHoldingFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORDER = {"order_number": "WEB-1001", "placed_at": "2026-11-30T10:00:00Z", "channel": "web", "currency": "eur",
         "lines": [{"sku": "ROUTER-X", "quantity": 2, "unit_price": "49.50"}, {"sku": "CABLE", "unit_price": "5"}]}


@pytest.fixture
def steward_api(users):
    return token_client(users["steward"])


def test_an_order_posted_shows_on_the_customers_orders_and_their_360_timeline(steward_api, customer, client, users):
    url = f"/api/v1/customers/{customer.customer_number}/orders/"
    created = steward_api.post(url, ORDER, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["total_amount"] == "104.00" and body["currency"] == "EUR" and len(body["lines"]) == 2
    listed = steward_api.get(url).json()
    assert [o["order_number"] for o in listed["results"]] == ["WEB-1001"]
    assert Order.objects.get(order_number="WEB-1001").customer == customer
    client.force_login(users["agent"])  # the 360° page's timeline, as an agent of the team sees it
    timeline = client.get(reverse("customers:timeline", kwargs={"customer_number": customer.customer_number}))
    assert timeline.status_code == 200 and "WEB-1001" in timeline.content.decode()


def test_an_order_posted_again_is_not_recorded_twice_and_another_under_its_number_is_a_409(steward_api, customer):
    url = f"/api/v1/customers/{customer.customer_number}/orders/"
    assert steward_api.post(url, ORDER, format="json").status_code == 201
    again = steward_api.post(url, ORDER, format="json")
    assert again.status_code == 200 and again.json()["order_number"] == "WEB-1001"
    other = steward_api.post(url, {**ORDER, "lines": [{"sku": "TV", "unit_price": "999"}]}, format="json")
    assert other.status_code == 409 and other.json()["errors"]["order_number"][0]["code"] == "exists"
    assert Order.objects.filter(order_number="WEB-1001").count() == 1


def test_a_bad_order_names_the_field_and_writes_nothing(steward_api, customer):
    url = f"/api/v1/customers/{customer.customer_number}/orders/"
    bad = steward_api.post(url, {**ORDER, "lines": [{"sku": "X", "unit_price": "-1"}], "discount": 5}, format="json")
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert "discount" in errors and errors["discount"][0]["code"] == "unknown"
    bad = steward_api.post(url, {**ORDER, "lines": [{"sku": "X", "unit_price": "-1"}]}, format="json")
    assert "lines.0.unit_price" in bad.json()["errors"]
    assert not Order.objects.exists()


def test_the_same_idempotency_key_replays_the_first_answer(steward_api, customer):
    url = f"/api/v1/customers/{customer.customer_number}/notes/"
    first = steward_api.post(url, {"body": "Called back."}, format="json", HTTP_IDEMPOTENCY_KEY="note-1")
    again = steward_api.post(url, {"body": "Called back."}, format="json", HTTP_IDEMPOTENCY_KEY="note-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert customer.notes.count() == 1
    other = steward_api.post(url, {"body": "Something else."}, format="json", HTTP_IDEMPOTENCY_KEY="note-1")
    assert other.status_code == 422


def test_a_marketer_reads_orders_but_not_service_requests(users, customer):
    OrderFactory(customer=customer)
    ServiceRequestFactory(customer=customer, subject="Router keeps rebooting")
    marketer = token_client(users["marketer"])
    number = customer.customer_number
    assert marketer.get(f"/api/v1/customers/{number}/orders/").status_code == 200
    for rows in ("service-requests", "notes"):
        refused = marketer.get(f"/api/v1/customers/{number}/{rows}/")
        assert refused.status_code == 403, rows
        assert refused.json()["errors"]["detail"][0]["code"] == "permission_denied"
        assert "Router" not in refused.content.decode()


def test_another_teams_customer_has_no_records(api, south):
    other = CustomerFactory(team=south)
    OrderFactory(customer=other)
    for rows in ("orders", "holdings", "service-requests", "notes"):
        response = api.get(f"/api/v1/customers/{other.customer_number}/{rows}/")
        assert response.status_code == 404, rows
        assert other.family_name not in response.content.decode()
    assert api.post(f"/api/v1/customers/{other.customer_number}/notes/", {"body": "x"},
                    format="json").status_code == 404


def test_an_agent_logs_a_service_request_and_closes_it_with_a_resolution(api, customer, shop_account):
    url = f"/api/v1/customers/{customer.customer_number}/service-requests/"
    logged = api.post(url, {"subject": "Invoice shows the wrong plan", "kind": "complaint", "channel": "email",
                            "priority": "high", "assignee": "svc-shop"}, format="json")
    assert logged.status_code == 201, logged.json()
    reference = logged.json()["reference"]
    assert logged.json()["assignee"] == "svc-shop" and logged.json()["status"] == "open"
    assert [r["reference"] for r in api.get(url).json()["results"]] == [reference]
    changed = api.patch(f"{url}{reference}/", {"status": "in_progress", "priority": "urgent"}, format="json")
    assert changed.status_code == 200 and changed.json()["priority"] == "urgent"
    unresolved = api.patch(f"{url}{reference}/", {"status": "closed"}, format="json")
    assert unresolved.status_code == 400 and "resolution" in unresolved.json()["errors"]
    closed = api.patch(f"{url}{reference}/", {"status": "closed", "resolution": "Credited the difference."},
                       format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_at"]
    assert ServiceRequest.objects.get(reference=reference).resolution == "Credited the difference."
    twice = api.patch(f"{url}{reference}/", {"status": "closed", "resolution": "Again."}, format="json")
    assert twice.status_code == 400 and twice.json()["errors"]["status"][0]["code"] == "closed"


def test_an_assignee_outside_the_customers_team_is_refused(api, customer, south):
    UserFactory(username="agent-far", roles=[access.CUSTOMER_SERVICE], teams=[south])
    url = f"/api/v1/customers/{customer.customer_number}/service-requests/"
    refused = api.post(url, {"subject": "x", "assignee": "agent-far"}, format="json")
    assert refused.status_code == 400 and "assignee" in refused.json()["errors"]
    assert not customer.service_requests.exists()


def test_notes_are_listed_newest_first_and_an_agent_adds_one(api, customer):
    NoteFactory(customer=customer, body="First call.")
    url = f"/api/v1/customers/{customer.customer_number}/notes/"
    added = api.post(url, {"body": "Second call.", "pinned": True}, format="json")
    assert added.status_code == 201 and added.json()["author"] == "svc-shop"
    assert [n["body"] for n in api.get(url).json()["results"]] == ["Second call.", "First call."]


def test_a_steward_adds_a_holding_and_cancels_it(steward_api, customer):
    ProductFactory(code="fibre-500", name="Fibre 500")
    url = f"/api/v1/customers/{customer.customer_number}/holdings/"
    added = steward_api.post(url, {"product": "fibre-500", "started_on": "2026-01-01"}, format="json")
    assert added.status_code == 201, added.json()
    assert added.json()["product_name"] == "Fibre 500" and added.json()["status"] == "active"
    holding = added.json()["id"]
    cancelled = steward_api.patch(f"{url}{holding}/", {"status": "cancelled", "ended_on": "2026-11-30"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["ended_on"] == "2026-11-30"
    assert ProductHolding.objects.get(pk=holding).status == "cancelled"
    unknown = steward_api.post(url, {"product": "nope", "started_on": "2026-01-01"}, format="json")
    assert unknown.status_code == 400 and "product" in unknown.json()["errors"]


def test_an_agent_reads_holdings_but_may_not_add_orders(api, customer):
    ProductHoldingFactory(customer=customer)
    assert api.get(f"/api/v1/customers/{customer.customer_number}/holdings/").json()["results"]
    refused = api.post(f"/api/v1/customers/{customer.customer_number}/orders/", ORDER, format="json")
    assert refused.status_code == 403 and not Order.objects.exists()


def test_a_shop_integration_posts_orders_and_events_of_its_team(north, south):
    """The Integration role (an API token's service account for a shop): orders and behaviour in, its team only."""
    from cdm import access
    from tests.api.conftest import token_client
    from tests.factories import CustomerFactory, ProductFactory, UserFactory

    ProductFactory(code="plan-m")
    shop = token_client(UserFactory(username="svc-shop2", roles=[access.INTEGRATION], teams=[north]), system="shop")
    mine, theirs = CustomerFactory(team=north), CustomerFactory(team=south)
    order = {"order_number": "SHOP-1", "placed_at": "2026-11-30T10:00:00Z", "channel": "web", "currency": "EUR",
             "lines": [{"sku": "plan-m", "quantity": 1, "unit_price": "12.00"}]}
    assert shop.post(f"/api/v1/customers/{mine.customer_number}/orders/", order, format="json").status_code == 201
    assert shop.post(f"/api/v1/customers/{theirs.customer_number}/orders/", {**order, "order_number": "SHOP-2"},
                     format="json").status_code == 404
    events = {"events": [{"customer_number": mine.customer_number, "kind": "page_view",
                          "occurred_at": "2026-11-30T10:01:00Z", "properties": {"url": "https://shop.example/plans"}}]}
    answer = shop.post("/api/v1/activities/batch/", events, format="json")
    assert answer.status_code == 200 and answer.json()["results"][0]["result"] == "recorded", answer.json()
    assert shop.get(f"/api/v1/customers/{mine.customer_number}/service-requests/").status_code == 403
