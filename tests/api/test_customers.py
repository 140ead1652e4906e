"""The customers API as an integration uses it: read, create, change with ETags, errors in one shape."""

import pytest

from customers.models import Customer
from tests.api.conftest import token_client
from tests.factories import CustomerFactory, ExternalIdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_reading_a_customer_gives_its_fields_and_an_etag(api, customer):
    response = api.get(f"/api/v1/customers/{customer.customer_number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["family_name"] == "Lovelace" and body["team"] == "North" and body["version"] == customer.version
    assert response["ETag"] == f'"{customer.version}"'
    assert "national_id" not in body and "annual_income" not in body  # sensitive: never in the API


def test_if_none_match_with_the_current_etag_gives_304(api, customer):
    etag = api.get(f"/api/v1/customers/{customer.customer_number}/")["ETag"]
    again = api.get(f"/api/v1/customers/{customer.customer_number}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content


def test_a_customer_of_another_team_does_not_exist(api, south):
    other = CustomerFactory(team=south)
    response = api.get(f"/api/v1/customers/{other.customer_number}/")
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": [{"code": "not_found", "message": "Not found."}]}}
    assert other.family_name not in response.content.decode()


def test_without_a_token_401_and_with_a_revoked_one_too(customer, shop_token):
    from rest_framework.test import APIClient

    from cdm.access import SYSTEM
    from cdm.api.tokens import api_token_revoke

    anonymous = APIClient().get(f"/api/v1/customers/{customer.customer_number}/")
    assert anonymous.status_code == 401 and anonymous.json()["errors"]["detail"][0]["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_token.raw}")
    assert client.get(f"/api/v1/customers/{customer.customer_number}/").status_code == 200
    api_token_revoke(by=SYSTEM, token=shop_token)
    refused = client.get(f"/api/v1/customers/{customer.customer_number}/")
    assert refused.status_code == 401 and refused.json()["errors"]["detail"][0]["code"] == "authentication_failed"


def test_an_expired_token_is_refused(customer, shop_account):
    import datetime

    from django.utils import timezone
    from freezegun import freeze_time

    client = token_client(shop_account, expires_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(f"/api/v1/customers/{customer.customer_number}/").status_code == 200
    with freeze_time(timezone.now() + datetime.timedelta(days=2)):
        assert client.get(f"/api/v1/customers/{customer.customer_number}/").status_code == 401


def test_the_token_is_stored_only_as_a_hash_and_its_use_is_recorded(api, shop_token, customer):
    from cdm.api.models import ApiToken

    stored = ApiToken.objects.get(pk=shop_token.pk)
    assert shop_token.raw not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    assert stored.last_used_at is None
    api.get(f"/api/v1/customers/{customer.customer_number}/")
    assert ApiToken.objects.get(pk=shop_token.pk).last_used_at is not None


def test_create_puts_the_customer_in_the_integrations_default_team(api):
    response = api.post("/api/v1/customers/", {"given_name": "Grace", "family_name": "Hopper",
                                                "email": " Grace.Hopper@Example.ORG "}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["team"] == "North" and body["email"] == "grace.hopper@example.org" and body["source"] == "api"
    assert response["Location"].endswith(f"/api/v1/customers/{body['customer_number']}/")


def test_bad_input_names_the_field_and_writes_nothing(api):
    response = api.post("/api/v1/customers/", {"family_name": "Hopper", "email": "not an address",
                                                "date_of_birth": "31/02/1990"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["date_of_birth"][0]["code"] == "invalid"
    assert set(errors["date_of_birth"][0]) == {"code", "message"}
    assert not Customer.objects.filter(family_name="Hopper").exists()
    response = api.post("/api/v1/customers/", {"family_name": "Hopper", "email": "not an address"}, format="json")
    assert response.status_code == 400 and "email" in response.json()["errors"]
    assert not Customer.objects.filter(family_name="Hopper").exists()


@pytest.mark.parametrize("field", ["status", "merged_into", "owner", "version", "customer_number", "quality_score"])
def test_no_mass_assignment_of_system_and_governance_fields(api, customer, field):
    response = api.patch(f"/api/v1/customers/{customer.customer_number}/", {field: "x", "city": "Leeds"},
                         format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field][0]["code"] == "read_only"
    assert Customer.objects.get(pk=customer.pk).city != "Leeds"  # nothing half-written


def test_team_is_set_on_create_only(api, customer, south):
    response = api.patch(f"/api/v1/customers/{customer.customer_number}/", {"team": "South"}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["team"][0]["code"] == "read_only"


def test_unknown_fields_are_refused_by_name(api):
    response = api.post("/api/v1/customers/", {"family_name": "Hopper", "favourite_colour": "blue"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["favourite_colour"][0]["code"] == "unknown"


def test_the_field_policy_cuts_what_a_marketer_sees_and_writes(customer):
    marketer = UserFactory(username="svc-mail", roles=["Marketing"])
    client = token_client(marketer)
    body = client.get(f"/api/v1/customers/{customer.customer_number}/").json()
    assert body["family_name"] == "Lovelace"
    response = client.patch(f"/api/v1/customers/{customer.customer_number}/", {"email": "x@example.org"},
                            format="json")
    assert response.status_code in (400, 403, 404)
    assert Customer.objects.get(pk=customer.pk).email != "x@example.org"


def test_patch_with_a_stale_etag_is_refused_with_412(api, customer):
    url = f"/api/v1/customers/{customer.customer_number}/"
    etag = api.get(url)["ETag"]
    first = api.patch(url, {"city": "Leeds"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag and first.json()["city"] == "Leeds"
    stale = api.patch(url, {"city": "York"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    error = stale.json()["errors"]["detail"][0]
    assert error["code"] == "stale" and error["version"] == customer.version + 1
    assert Customer.objects.get(pk=customer.pk).city == "Leeds"


def test_patch_with_a_malformed_if_match_is_412_not_500(api, customer):
    response = api.patch(f"/api/v1/customers/{customer.customer_number}/", {"city": "York"}, format="json",
                         HTTP_IF_MATCH="garbage")
    assert response.status_code == 412


def test_list_uses_a_cursor_and_shows_only_the_callers_customers(api, north, south):
    mine = [CustomerFactory(team=north) for _ in range(3)]
    CustomerFactory(team=south)
    first = api.get("/api/v1/customers/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    numbers = [c["customer_number"] for c in first["results"] + second["results"]]
    assert sorted(numbers) == sorted(c.customer_number for c in mine)


def test_list_filters_and_searches(api, north):
    CustomerFactory(team=north, family_name="Lovelace", lifecycle_stage="lead")
    CustomerFactory(team=north, family_name="Babbage", lifecycle_stage="customer")
    leads = api.get("/api/v1/customers/", {"lifecycle_stage": "lead"}).json()["results"]
    assert [c["family_name"] for c in leads] == ["Lovelace"]
    found = api.get("/api/v1/customers/", {"q": "babbage"}).json()["results"]
    assert [c["family_name"] for c in found] == ["Babbage"]
    bad = api.get("/api/v1/customers/", {"lifecycle_stage": "astronaut"})
    assert bad.status_code == 400 and "lifecycle_stage" in bad.json()["errors"]


def test_a_merged_customer_redirects_to_the_survivor(customer, north):
    from cdm.access import SYSTEM
    from customers import services

    steward = UserFactory(username="svc-steward", roles=["Data steward"])
    other = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace")
    services.customers_merge(survivor=customer, absorbed=[other], by=SYSTEM)
    response = token_client(steward).get(f"/api/v1/customers/{other.customer_number}/")
    assert response.status_code == 301 and response["Location"].endswith(f"/{customer.customer_number}/")


def test_throttled_per_token_with_retry_after(customer, shop_account, settings):
    client = token_client(shop_account, rate="2/min")
    url = f"/api/v1/customers/{customer.customer_number}/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    third = client.get(url)
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert third.json()["errors"]["detail"][0]["code"] == "throttled"
    assert token_client(shop_account).get(url).status_code == 200  # another token has its own budget


def test_external_ids_are_shown(api, customer):
    ExternalIdentityFactory(customer=customer, system="shop", external_id="S-1")
    body = api.get(f"/api/v1/customers/{customer.customer_number}/").json()
    assert body["external_ids"] == [{"system": "shop", "external_id": "S-1"}]


def test_a_token_request_has_no_session_and_its_rights_are_kept_between_requests(api, customer, settings):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CDM_RIGHTS_IN_SESSION = True
    url = f"/api/v1/customers/{customer.customer_number}/"
    first = api.get(url)
    assert first.status_code == 200 and "sessionid" not in first.cookies
    assert not Session.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in sql and "auth_group" not in sql  # rights from the cache, no session
