"""A steward merging a cluster from the review queue, and undoing it, through the pages."""

import datetime

import pytest
from django.urls import reverse

from customers.models import Customer, DuplicateCandidate, Merge
from tests.factories import CustomerFactory, NoteFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def cluster(north, south):
    ada = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", email="ada@example.com",
                          phone="+1 202 555 0143", date_of_birth=D(1985, 4, 12))
    twin = CustomerFactory(team=south, given_name="Ada", family_name="Lovelace", email="ADA@example.com", phone="",
                           date_of_birth=D(1985, 12, 4), city="Baltimore")
    NoteFactory(customer=twin, body="Prefers letters.")
    return ada, twin, DuplicateCandidate.objects.get().cluster


def test_the_plan_shows_defaults_and_the_merge_keeps_the_oldest_number(client, users, cluster):
    ada, twin, key = cluster
    client.force_login(users["steward"])
    page = client.get(reverse("customers:duplicate_merge", args=[key])).content.decode()
    assert f"{ada.customer_number} survives" in page and "Default because" in page and 'data-key="m"' in page
    response = client.post(reverse("customers:duplicate_merge", args=[key]), {
        "records": [ada.pk, twin.pk], "survivor": ada.pk, "choice-date_of_birth": twin.pk, "reason": "same person"})
    merge = Merge.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:merge", args=[merge.pk])
    ada.refresh_from_db()
    twin.refresh_from_db()
    assert twin.status == "merged" and twin.merged_into == ada and ada.date_of_birth == D(1985, 12, 4)
    assert ada.notes.filter(body="Prefers letters.").exists()
    assert DuplicateCandidate.objects.get().status == "merged"
    # The absorbed number leads to the survivor, whose page links the merge.
    assert client.get(twin.get_absolute_url())["Location"] == ada.get_absolute_url()
    assert reverse("customers:merge", args=[merge.pk]) in client.get(ada.get_absolute_url()).content.decode()


def test_undo_from_the_merge_page_restores_both_records(client, users, cluster):
    ada, twin, key = cluster
    client.force_login(users["steward"])
    client.post(reverse("customers:duplicate_merge", args=[key]), {"records": [ada.pk, twin.pk], "survivor": ada.pk})
    merge = Merge.objects.get()
    response = client.post(reverse("customers:merge", args=[merge.pk]), {"reason": "two people after all"})
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.status == "active" and twin.notes.filter(body="Prefers letters.").exists()
    assert Merge.objects.get().status == "undone"
    again = client.post(reverse("customers:merge", args=[merge.pk]), follow=True)
    assert "already" in again.content.decode().lower() or "undone" in again.content.decode().lower()


def test_a_refused_merge_says_why_and_changes_nothing(client, users, cluster):
    ada, twin, key = cluster
    client.force_login(users["steward"])
    response = client.post(reverse("customers:duplicate_merge", args=[key]), {
        "records": [ada.pk, twin.pk], "survivor": ada.pk, "choice-date_of_birth": "999999"})
    assert response.status_code == 200 and "Not merged" in response.content.decode()
    assert not Merge.objects.exists() and Customer.objects.filter(status="merged").count() == 0
