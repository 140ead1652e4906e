"""Consents through the API: the current state per purpose and the history; a withdrawal recorded by an
integration is the current state afterwards, with its method and evidence kept."""

import pytest

from consent.models import ConsentRecord
from tests.api.conftest import token_client
from tests.factories import ConsentRecordFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_consent_withdrawn_through_the_api_is_the_current_state(api, customer, default_purposes):
    ConsentRecordFactory(customer=customer, purpose=default_purposes["email-marketing"], granted=True)
    url = f"/api/v1/customers/{customer.customer_number}/consents/"
    before = {row["purpose"]: row["state"] for row in api.get(url).json()["current"]}
    assert before["email-marketing"] == "granted"
    withdrawn = api.post(url, {"purpose": "email-marketing", "granted": False, "method": "web_form",
                               "evidence": "preference-centre submission 8812", "note": "Unticked in the shop."},
                         format="json")
    assert withdrawn.status_code == 201, withdrawn.json()
    body = api.get(url).json()
    current = {row["purpose"]: row for row in body["current"]}["email-marketing"]
    assert current["state"] == "withdrawn"
    assert current["record"]["method"] == "web_form"
    assert current["record"]["evidence"] == "preference-centre submission 8812"
    assert current["record"]["recorded_by"] == "svc-shop"
    assert [r["granted"] for r in body["results"]] == [False, True]  # history, newest first
    assert ConsentRecord.objects.filter(customer=customer).count() == 2


def test_a_bad_consent_names_the_field_and_records_nothing(api, customer, default_purposes):
    url = f"/api/v1/customers/{customer.customer_number}/consents/"
    unknown = api.post(url, {"purpose": "no-such-purpose", "granted": True}, format="json")
    assert unknown.status_code == 400 and "purpose" in unknown.json()["errors"]
    verbal = api.post(url, {"purpose": "email-marketing", "granted": True, "method": "verbal"}, format="json")
    assert verbal.status_code == 400 and "note" in verbal.json()["errors"]
    assert not ConsentRecord.objects.exists()


def test_a_marketer_reads_consents_but_may_not_record_one(users, customer, default_purposes):
    marketer = token_client(users["marketer"])
    url = f"/api/v1/customers/{customer.customer_number}/consents/"
    assert marketer.get(url).status_code == 200
    refused = marketer.post(url, {"purpose": "email-marketing", "granted": True}, format="json")
    assert refused.status_code == 403 and not ConsentRecord.objects.exists()


def test_another_teams_customers_consents_do_not_exist(api, south, default_purposes):
    other = CustomerFactory(team=south)
    url = f"/api/v1/customers/{other.customer_number}/consents/"
    assert api.get(url).status_code == 404
    assert api.post(url, {"purpose": "email-marketing", "granted": False}, format="json").status_code == 404
    assert not ConsentRecord.objects.exists()
