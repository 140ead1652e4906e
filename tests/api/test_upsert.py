"""Upsert by (system, external id), single and batch, and Idempotency-Key: the same request twice is one write."""

import threading

import pytest
from django.db import connection

from customers.models import Customer, DuplicateCandidate, ExternalIdentity
from tests.api.conftest import token_client
from tests.factories import CustomerFactory, ExternalIdentityFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/systems/shop/customers/"
GRACE = {"given_name": "Grace", "family_name": "Hopper", "email": "grace@example.org", "date_of_birth": "1906-12-09"}


def test_put_creates_then_updates_then_changes_nothing(api):
    created = api.put(URL + "S-1", GRACE, format="json")
    assert created.status_code == 201, created.json()
    number = created.json()["customer_number"]
    assert created.json()["external_ids"] == [{"system": "shop", "external_id": "S-1"}]
    again = api.put(URL + "S-1", GRACE, format="json")
    assert again.status_code == 200 and again.json()["customer_number"] == number
    assert again.json()["version"] == created.json()["version"]  # the same PUT twice: no new version
    changed = api.put(URL + "S-1", {**GRACE, "city": "Arlington"}, format="json")
    assert changed.status_code == 200 and changed.json()["city"] == "Arlington"
    assert changed.json()["version"] == created.json()["version"] + 1
    assert Customer.objects.filter(family_name="Hopper").count() == 1
    assert Customer.objects.get(customer_number=number).history.count() == 2


def test_get_by_external_id(api):
    number = api.put(URL + "S-9", GRACE, format="json").json()["customer_number"]
    response = api.get(URL + "S-9")
    assert response.status_code == 200 and response.json()["customer_number"] == number
    assert api.get(URL + "S-unknown").status_code == 404


def test_upsert_finds_the_existing_person_and_links_instead_of_duplicating(api, north):
    existing = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.org",
                               date_of_birth="1906-12-09", phone="")
    response = api.put(URL + "S-2", GRACE, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["customer_number"] == existing.customer_number
    assert ExternalIdentity.objects.get(system="shop", external_id="S-2").customer_id == existing.pk
    assert Customer.objects.filter(family_name="Hopper").count() == 1


def test_several_possible_matches_give_409_with_the_candidates_and_write_nothing(api, north):
    for _ in range(2):
        CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.org",
                        date_of_birth="1906-12-09", phone="")
    response = api.put(URL + "S-3", GRACE, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"]["detail"][0]["code"] == "ambiguous_match"
    assert len(body["candidates"]) == 2 and all(c["probability"] >= 0.9 for c in body["candidates"])
    assert not ExternalIdentity.objects.filter(external_id="S-3").exists()
    assert Customer.objects.filter(family_name="Hopper").count() == 2
    forced = api.put(URL + "S-3?on_ambiguous=create", GRACE, format="json")
    assert forced.status_code == 201
    assert DuplicateCandidate.objects.filter(status="open").count() >= 2  # the stewards review it


def test_a_match_in_another_team_is_never_shown_but_raised_to_the_stewards(api, south):
    CustomerFactory(team=south, given_name="Grace", family_name="Hopper", email="grace@example.org",
                    date_of_birth="1906-12-09", phone="")
    response = api.put(URL + "S-4", GRACE, format="json")
    assert response.status_code == 201
    assert response.json()["team"] == "North"
    assert DuplicateCandidate.objects.filter(status="open").count() == 1


def test_external_ids_of_a_merged_record_resolve_to_the_survivor(api, north):
    from cdm.access import SYSTEM
    from customers import services

    survivor = CustomerFactory(team=north, family_name="Hopper", given_name="Grace")
    absorbed = CustomerFactory(team=north, family_name="Hopper", given_name="G.")
    ExternalIdentityFactory(customer=absorbed, system="shop", external_id="S-5")
    services.customers_merge(survivor=survivor, absorbed=[absorbed], by=SYSTEM)
    response = api.put(URL + "S-5", {"city": "Arlington"}, format="json")
    assert response.status_code == 200 and response.json()["customer_number"] == survivor.customer_number
    assert api.get(URL + "S-5").json()["customer_number"] == survivor.customer_number


def test_upsert_needs_a_team_for_a_new_customer(shop_account, south):  # a steward may add to both teams
    client = token_client(UserFactory(username="svc-steward2", roles=["Data steward"]))
    response = client.put(URL + "S-6", GRACE, format="json")
    assert response.status_code == 400 and response.json()["errors"]["team"][0]["code"] == "required"
    named = client.put(URL + "S-6", {**GRACE, "team": "North"}, format="json")
    assert named.status_code == 201 and named.json()["team"] == "North"


def test_upsert_with_a_stale_if_match_is_412(api):
    etag = api.put(URL + "S-7", GRACE, format="json")["ETag"]
    api.put(URL + "S-7", {"city": "Arlington"}, format="json")
    stale = api.put(URL + "S-7", {"city": "York"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert api.get(URL + "S-7").json()["city"] == "Arlington"


def test_batch_upsert_reports_each_record_and_a_bad_one_stops_nothing(api):
    records = [{"external_id": "B-1", "fields": GRACE},
               {"external_id": "B-2", "fields": {"family_name": "Babbage", "email": "not-an-email"}},
               {"external_id": "B-3", "fields": {"given_name": "Ada", "family_name": "Lovelace"}},
               {"external_id": "B-1", "fields": {**GRACE, "city": "Arlington"}}]
    response = api.post("/api/v1/systems/shop/batch/customers/", {"records": records}, format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["created", "error", "created", "updated"]
    assert "email" in results[1]["errors"] and "customer_number" not in results[1]
    assert not Customer.objects.filter(family_name="Babbage").exists()
    assert results[0]["customer_number"] == results[3]["customer_number"]


def test_batch_upsert_is_bounded(api):
    records = [{"external_id": f"B-{i}", "fields": {"family_name": "X"}} for i in range(101)]
    response = api.post("/api/v1/systems/shop/batch/customers/", {"records": records}, format="json")
    assert response.status_code == 400 and "records" in response.json()["errors"]
    assert not Customer.objects.filter(family_name="X").exists()


def test_idempotency_key_replays_the_first_answer(api):
    first = api.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Customer.objects.filter(family_name="Hopper").count() == 1


def test_idempotency_key_with_another_body_is_422(api):
    api.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/v1/customers/", {"family_name": "Babbage"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["errors"]["Idempotency-Key"][0]["code"] == "idempotency_key_reused"
    assert not Customer.objects.filter(family_name="Babbage").exists()


def test_idempotency_keys_are_per_caller_and_last_24_hours(api, shop_account):
    import datetime

    from django.utils import timezone
    from freezegun import freeze_time

    api.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    other = token_client(shop_account)
    assert other.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
    with freeze_time(timezone.now() + datetime.timedelta(hours=25)):
        later = api.post("/api/v1/customers/", {"family_name": "Hopper"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert Customer.objects.filter(family_name="Hopper").count() == 3


def test_an_error_answer_is_replayed_too(api):
    first = api.post("/api/v1/customers/", {"email": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    again = api.post("/api/v1/customers/", {"email": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_one_id_make_one_customer(shop_token, north):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    from rest_framework.test import APIClient

    barrier, answers = threading.Barrier(2), []

    def upsert():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_token.raw}")
        barrier.wait()
        answers.append(client.put(URL + "RACE-1", GRACE, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=upsert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 201]
    assert Customer.objects.filter(family_name="Hopper").count() == 1
    assert ExternalIdentity.objects.filter(external_id="RACE-1").count() == 1


def test_a_change_through_the_api_is_not_echoed_to_the_sending_systems_webhook(api, shop_token):
    """The shop's upsert reaches the CRM's endpoint, never the shop's own (issue 11, 6)."""
    from cdm.models import OutboxEvent, WebhookDelivery
    from cdm.access import SYSTEM
    from cdm.webhooks.services import webhooks_relay
    from tests.factories import WebhookEndpointFactory

    shop = WebhookEndpointFactory(name="shop", system="shop", role="Customer service")
    crm = WebhookEndpointFactory(name="crm", system="crm", role="Customer service")
    assert api.put(URL + "ECHO-1", GRACE, format="json").status_code == 201
    event = OutboxEvent.objects.get(type="customer.created")
    assert event.origin_system == "shop"
    webhooks_relay(by=SYSTEM)
    assert WebhookDelivery.objects.filter(endpoint=crm).exists()
    assert not WebhookDelivery.objects.filter(endpoint=shop).exists()
