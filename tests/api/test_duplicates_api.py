"""The stewards' review queue through the API: open pairs best first, dismissed or skipped; for every other
role the queue does not exist (404)."""

import pytest

from customers.models import DuplicateCandidate
from tests.api.conftest import token_client
from tests.factories import CustomerFactory, DuplicateCandidateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(customer):
    other = CustomerFactory(team=customer.team, given_name="Ada", family_name="Lovelace-King",
                            email="ada.king@example.org")
    return DuplicateCandidateFactory(customer=customer, other=other, probability=0.91)


def test_a_steward_lists_open_pairs_and_filters_by_score(users, pair, customer):
    steward = token_client(users["steward"])
    listed = steward.get("/api/v1/duplicates/").json()["results"]
    assert [c["id"] for c in listed] == [pair.pk]
    numbers = {listed[0]["customer_a"]["customer_number"], listed[0]["customer_b"]["customer_number"]}
    assert customer.customer_number in numbers and listed[0]["score"] == pytest.approx(0.91)
    assert steward.get("/api/v1/duplicates/", {"min_score": "0.95"}).json()["results"] == []
    bad = steward.get("/api/v1/duplicates/", {"min_score": "lots"})
    assert bad.status_code == 400 and "min_score" in bad.json()["errors"]


def test_a_steward_dismisses_a_pair_and_it_leaves_the_queue(users, pair):
    steward = token_client(users["steward"])
    dismissed = steward.post(f"/api/v1/duplicates/{pair.pk}/dismiss/", {"note": "Mother and daughter."},
                             format="json")
    assert dismissed.status_code == 200, dismissed.json()
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["decided_by"] == "steward"
    stored = DuplicateCandidate.objects.get(pk=pair.pk)
    assert stored.status == "dismissed" and stored.note == "Mother and daughter."
    assert steward.get("/api/v1/duplicates/").json()["results"] == []
    again = steward.post(f"/api/v1/duplicates/{pair.pk}/dismiss/", {}, format="json")
    assert again.status_code == 400


def test_a_skipped_pair_stays_open(users, pair):
    steward = token_client(users["steward"])
    skipped = steward.post(f"/api/v1/duplicates/{pair.pk}/skip/", {}, format="json")
    assert skipped.status_code == 200 and skipped.json()["status"] == "open" and skipped.json()["skipped_at"]


@pytest.mark.parametrize("role", ["agent", "marketer", "nobody"])
def test_for_other_roles_the_queue_does_not_exist(users, pair, role):
    client = token_client(users[role])
    assert client.get("/api/v1/duplicates/").status_code == 404
    refused = client.post(f"/api/v1/duplicates/{pair.pk}/dismiss/", {"note": "x"}, format="json")
    assert refused.status_code == 404
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "open"
