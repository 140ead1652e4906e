"""The stewards' review queue as a steward works through it, and what an agent sees of cross-team matches."""

import datetime

import pytest
from django.urls import reverse

from customers.models import Customer, DuplicateCandidate
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = datetime.date
QUEUE = reverse("customers:duplicates")


@pytest.fixture
def pair(north, south):
    ada = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace", email="ada@example.com",
                          phone="+1 202 555 0143", date_of_birth=D(1985, 4, 12))
    # The same woman, as another team's import has her.
    twin = CustomerFactory(team=south, given_name="Ada", family_name="Lovelace", email="ADA@example.com",
                           phone="", date_of_birth=D(1985, 12, 4), city="Washington")
    return ada, twin


def test_the_steward_sees_the_cluster_side_by_side_with_the_differences_marked(client, users, pair):
    ada, twin = pair
    client.force_login(users["steward"])
    queue = client.get(QUEUE).content.decode()
    assert ada.customer_number in queue and twin.customer_number in queue and "several teams" in queue
    candidate = DuplicateCandidate.objects.get()
    page = client.get(reverse("customers:duplicate_cluster", args=[candidate.cluster])).content.decode()
    assert page.index(ada.customer_number) < page.index(twin.customer_number)  # the oldest record first
    assert "birth date day and month swapped" in page and "same e-mail" in page
    row = page[page.index("Date of birth"):]
    assert 'differs' in page[page.rindex("<tr", 0, page.index("Date of birth")):page.index("Date of birth")]
    assert "1985-04-12" in row and "1985-12-04" in row
    assert 'data-key="n"' in page and 'data-key="s"' in page


def test_not_a_duplicate_is_remembered_and_the_next_cluster_opens(client, users, pair, north):
    other1 = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com",
                             date_of_birth=D(1906, 12, 9))
    other2 = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com",
                             date_of_birth=D(1906, 9, 12))
    client.force_login(users["steward"])
    first = DuplicateCandidate.objects.get(customer_a=pair[0])
    response = client.post(reverse("customers:duplicate_dismiss", args=[first.pk]), {"note": "two people"})
    second = DuplicateCandidate.objects.get(customer_a=other1, customer_b=other2)
    assert response.status_code == 302 and response["Location"] == reverse("customers:duplicate_cluster",
                                                                            args=[second.cluster])
    first.refresh_from_db()
    assert first.status == "dismissed" and first.decided_by == users["steward"] and first.note == "two people"
    queue = client.get(QUEUE).content.decode()
    assert pair[0].customer_number not in queue[queue.index("<h1>"):]
    # A decided pair is no longer open: deciding it again finds nothing to decide.
    again = client.post(reverse("customers:duplicate_dismiss", args=[first.pk]))
    assert again.status_code == 404


def test_a_skipped_cluster_waits_at_the_end(client, users, pair, north):
    g1 = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com")
    CustomerFactory(team=north, given_name="Grace", family_name="Hopper", email="grace@example.com")
    client.force_login(users["steward"])
    ada_pair = DuplicateCandidate.objects.get(customer_a=pair[0])
    client.post(reverse("customers:duplicate_skip", args=[ada_pair.pk]))
    queue = client.get(QUEUE).content.decode()
    assert queue.index(g1.customer_number) < queue.index(pair[0].customer_number) and "skipped" in queue


@pytest.mark.parametrize("junk", [{"min_score": "abc"}, {"min_score": "500"}, {"team": "x"}, {"origin": "nope"},
                                  {"page": "-3"}, {"reason": "x" * 300}])
def test_bad_filters_are_named_and_never_a_500(client, users, pair, junk):
    client.force_login(users["steward"])
    response = client.get(QUEUE, junk)
    assert response.status_code == 200
    if "page" not in junk:
        assert 'class="error"' in response.content.decode()


def test_filters_narrow_the_queue(client, users, pair, north):
    client.force_login(users["steward"])
    assert pair[0].customer_number in client.get(QUEUE, {"min_score": 90}).content.decode()
    assert pair[0].customer_number not in client.get(QUEUE, {"reason": "same phone"}).content.decode()
    assert pair[0].customer_number in client.get(QUEUE, {"team": north.pk, "origin": "entry"}).content.decode()


def test_an_agent_creating_another_teams_customer_sees_a_neutral_message_only(client, users, north, south):
    theirs = CustomerFactory(team=south, given_name="Mariam", family_name="Haddad", email="m.haddad@example.com",
                             date_of_birth=D(1979, 2, 3), phone="+44 20 7946 0958")
    client.force_login(users["agent"])
    typed = {"given_name": "Mariam", "family_name": "Hadad", "email": "m.haddad@example.com",
             "date_of_birth": "1979-02-03"}
    live = client.get(reverse("customers:create_matches"), typed, HTTP_HX_REQUEST="true").content.decode()
    assert theirs.customer_number not in live and "Haddad" not in live
    response = client.post(reverse("customers:create"), {
        "team": north.pk, **typed, "phone": "", "country": "GB", "lifecycle_stage": "lead", "source": "phone"},
        follow=True)
    body = response.content.decode()
    assert "The data stewards will check this record against existing customers." in body
    assert theirs.customer_number not in body and "South" not in body
    mine = Customer.objects.get(family_name="Hadad")
    candidate = DuplicateCandidate.objects.get()
    assert {candidate.customer_a_id, candidate.customer_b_id} == {mine.pk, theirs.pk} and candidate.cross_team
    client.force_login(users["steward"])
    assert theirs.customer_number in client.get(QUEUE).content.decode()
