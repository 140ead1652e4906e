"""Two-way sync rules at their boundary: an older change or one from a lower-priority system does not
overwrite, and is recorded; the rest of the same change goes through."""

import datetime

import pytest
from django.utils import timezone

from customers import services
from customers.models import Customer, SkippedChange
from tests.factories import ExternalIdentityFactory, SourceSystemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/systems/shop/customers/"
T0 = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.timezone.utc)


def _at(delta_seconds):
    return (T0 + datetime.timedelta(seconds=delta_seconds)).isoformat()


def _put(api, body, when, system="shop"):
    return api.put(f"/api/v1/systems/{system}/customers/S-1", {**body, "source_updated_at": when}, format="json")


def test_an_older_change_does_not_overwrite_and_is_recorded(api):
    created = _put(api, {"family_name": "Hopper", "email": "new@example.org"}, _at(0))
    assert created.status_code == 201
    older = _put(api, {"email": "old@example.org", "city": "Arlington"}, _at(-1))
    assert older.status_code == 200
    customer = Customer.objects.get(customer_number=created.json()["customer_number"])
    assert customer.email == "new@example.org"  # kept: the stored value is a second newer
    assert customer.city == "Arlington"  # the rest of the change went through
    skipped = SkippedChange.objects.get(customer=customer)
    assert (skipped.field, skipped.reason, skipped.value, skipped.system) == ("email", "older", "old@example.org",
                                                                             "shop")


def test_the_same_time_or_later_overwrites(api):
    _put(api, {"family_name": "Hopper", "email": "a@example.org"}, _at(0))
    assert _put(api, {"email": "b@example.org"}, _at(0)).json()["email"] == "b@example.org"
    assert _put(api, {"email": "c@example.org"}, _at(1)).json()["email"] == "c@example.org"
    assert not SkippedChange.objects.exists()


def test_a_lower_priority_system_does_not_overwrite_even_when_newer(api, north):
    from tests.api.conftest import token_client

    SourceSystemFactory(system="crm", priorities={"contact": 80})
    SourceSystemFactory(system="shop", priorities={"contact": 20, "identity": 90})
    crm = token_client(_shop_user(), system="crm")
    first = crm.put("/api/v1/systems/crm/customers/C-1", {"family_name": "Hopper", "given_name": "Grace",
                                                           "email": "crm@example.org", "source_updated_at": _at(0)},
                    format="json")
    assert first.status_code == 201, first.json()
    number = first.json()["customer_number"]
    customer = Customer.objects.get(customer_number=number)
    ExternalIdentityFactory(customer=customer, system="shop", external_id="S-1")  # the shop knows them too
    later = _put(api, {"email": "shop@example.org", "given_name": "Gracie"}, _at(3600))
    assert later.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "crm@example.org"  # contact: the CRM (80) beats the shop (20)
    assert customer.given_name == "Gracie"  # identity: the shop (90) beats the CRM (default 50)
    assert SkippedChange.objects.get(customer=customer).reason == "lower_priority"


def test_an_edit_in_cdm_counts_as_of_its_time(api, users):
    created = _put(api, {"family_name": "Hopper", "email": "a@example.org"}, _at(0))
    customer = Customer.objects.get(customer_number=created.json()["customer_number"])
    services.customer_update(customer=customer, by=users["steward"], version=customer.version,
                             email="fixed@example.org")  # now, in CDM: later than T0
    _put(api, {"email": "stale@example.org"}, _at(60))  # changed at the shop before the fix
    customer.refresh_from_db()
    assert customer.email == "fixed@example.org"
    assert customer.field_sources["email"][0] == "cdm"


def test_batch_records_say_what_was_skipped(api):
    _put(api, {"family_name": "Hopper", "email": "new@example.org"}, _at(0))
    response = api.post("/api/v1/systems/shop/batch/customers/", {"records": [
        {"external_id": "S-1", "source_updated_at": _at(-5), "fields": {"email": "old@example.org"}}]}, format="json")
    result = response.json()["results"][0]
    assert result["result"] == "unchanged"
    assert result["skipped"] == [{"field": "email", "reason": "older", "kept_from": "shop"}]


def test_a_bad_source_time_names_the_field(api):
    response = api.put(URL + "S-1", {"family_name": "Hopper", "source_updated_at": "yesterday"}, format="json")
    assert response.status_code == 400 and "source_updated_at" in response.json()["errors"]


def test_priorities_must_be_numbers_per_known_group():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        SourceSystemFactory(system="bad", priorities={"contact": "high"})
    assert "priorities" in caught.value.message_dict
    with pytest.raises(ValidationError):
        SourceSystemFactory(system="bad2", priorities={"colour": 10})


def _shop_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="svc-shop")


def test_now_is_the_default_time(api):
    before = timezone.now()
    created = api.put(URL + "S-2", {"family_name": "Hopper", "email": "a@example.org"}, format="json")
    customer = Customer.objects.get(customer_number=created.json()["customer_number"])
    assert datetime.datetime.fromisoformat(customer.field_sources["email"][1]) >= before - datetime.timedelta(seconds=1)


def test_an_import_follows_the_same_rules(users):
    """A file from a lower-priority system does not overwrite what a higher one set; the skip is recorded."""
    from customers.imports import customers_import, map_headers

    SourceSystemFactory(system="legacy", priorities={"contact": 10})
    from tests.factories import CustomerFactory, TeamFactory

    team = TeamFactory(name="North")
    customer = CustomerFactory(team=team, family_name="Hopper", given_name="Grace", email="grace@example.org")
    ExternalIdentityFactory(customer=customer, system="legacy", external_id="L-1")
    rows = [{"id": "L-1", "last name": "Hopper", "first name": "Gracie", "email": "old.grace@example.org"}]
    report = customers_import(rows=rows, mapping=map_headers(list(rows[0])), source="legacy", team=team,
                              by=users["steward"])
    customer.refresh_from_db()
    assert report.counts["updated"] == 1
    assert customer.email == "grace@example.org"  # contact: legacy (10) below edits in CDM (50)
    assert customer.given_name == "Gracie"  # identity: equal priority, the newer change wins
    assert SkippedChange.objects.get(customer=customer, system="legacy").field == "email"
