"""Behavioural events through the API: a bulk where one bad event stops nothing and is reported by index and
field; a customer's events listed newest first; who may post them."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Activity
from tests.api.conftest import token_client
from tests.factories import ActivityFactory, CustomerFactory, ExternalIdentityFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/batch/"


@pytest.fixture
def steward_api(users):
    return token_client(users["steward"])


def test_a_batch_with_one_bad_event_records_the_others_and_names_the_bad_one(steward_api, customer, south):
    ExternalIdentityFactory(customer=customer, system="shop", external_id="C-77")
    events = [
        {"customer_number": customer.customer_number, "kind": "visit", "occurred_at": "2026-12-01T09:00:00Z",
         "source": "web", "properties": {"url": "/plans", "duration_s": 40}},
        {"customer_number": customer.customer_number, "kind": "cart_add", "properties": {"sku": "X", "quantity": "two"}},
        {"system": "shop", "external_id": "C-77", "kind": "email_open", "properties": {"campaign": "winter"}},
        {"customer_number": "999999999", "kind": "login"},
        {"kind": "login"},
        {"customer_number": customer.customer_number, "kind": "page_view", "properties": {"url": "/a\u0000b"}},
    ]
    response = steward_api.post(URL, {"events": events}, format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["recorded", "error", "recorded", "error", "error", "error"]
    assert results[0]["customer_number"] == results[2]["customer_number"] == customer.customer_number
    assert results[1]["index"] == 1 and list(results[1]["errors"]) == ["properties.quantity"]
    assert results[3]["errors"]["customer_number"][0]["code"] == "not_found"
    assert "customer_number" in results[4]["errors"]
    assert "properties" in results[5]["errors"]  # refused here, not a 500 from PostgreSQL's jsonb
    assert sorted(customer.activities.values_list("kind", flat=True)) == ["email_open", "visit"]


def test_a_batch_over_the_limit_or_empty_is_refused_as_a_whole(steward_api, customer):
    event = {"customer_number": customer.customer_number, "kind": "login"}
    too_many = steward_api.post(URL, {"events": [event] * 1001}, format="json")
    assert too_many.status_code == 400 and "events" in too_many.json()["errors"]
    assert steward_api.post(URL, {"events": []}, format="json").status_code == 400
    assert not Activity.objects.exists()


def test_a_role_that_may_not_record_activities_gets_403(api, customer):
    refused = api.post(URL, {"events": [{"customer_number": customer.customer_number, "kind": "login"}]},
                       format="json")
    assert refused.status_code == 403 and not Activity.objects.exists()


def test_a_customers_activities_are_listed_newest_first_with_a_cursor(users, customer):
    now = timezone.now()
    for hours in range(3):
        ActivityFactory(customer=customer, kind="visit", occurred_at=now - datetime.timedelta(hours=hours))
    marketer = token_client(users["marketer"])
    url = f"/api/v1/customers/{customer.customer_number}/activities/"
    first = marketer.get(url, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = marketer.get(first["next"]).json()
    times = [r["occurred_at"] for r in first["results"] + second["results"]]
    assert len(times) == 3 and times == sorted(times, reverse=True)


def test_another_teams_customers_activities_are_404_for_an_agent(api, users, south):
    other = CustomerFactory(team=south)
    marketer = token_client(users["marketer"])
    assert marketer.get(f"/api/v1/customers/{other.customer_number}/activities/").status_code == 200
    assert api.get(f"/api/v1/customers/{other.customer_number}/activities/").status_code == 404


def test_an_agent_reading_behaviour_of_its_own_customer_gets_403(api, customer):
    assert api.get(f"/api/v1/customers/{customer.customer_number}/activities/").status_code == 403
