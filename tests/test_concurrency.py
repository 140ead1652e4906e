"""Simultaneous writes to one record through the real pages: one wins, the others get the message the
single-user path shows, nobody gets a 500. On SQLite (the embedded default, a file database here: see
cdm/test_settings.py) and on PostgreSQL (CI)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from cdm.access import SYSTEM
from customers import services
from customers.models import Feedback, ServiceRequest
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
HTMX = {"HX-Request": "true"}


def race(clients, send):
    """`send(client, i)` in one thread per client, released together; the responses in client order."""
    barrier = threading.Barrier(len(clients))

    def run(i):
        try:
            barrier.wait(timeout=30)
            return send(clients[i], i)
        finally:
            connections.close_all()  # each thread has its own connection; PostgreSQL drops the test db at the end

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(run, range(len(clients))))


def logged_in_clients(user, n=WORKERS):
    clients = []
    for _ in range(n):
        client = Client(raise_request_exception=False)  # a 500 is a response here, so the test can count it
        client.force_login(user)
        clients.append(client)
    return clients


def test_parallel_edits_with_the_same_version_save_once_and_the_rest_see_the_conflict(users, north):
    customer = CustomerFactory(team=north, given_name="Ada", family_name="Lovelace")
    steward = users["steward"]
    url = reverse("customers:edit", args=[customer.customer_number])
    clients = logged_in_clients(steward)
    form = clients[0].get(url).context["form"]
    loaded = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}

    responses = race(clients, lambda client, i: client.post(url, loaded | {"email": f"editor{i}@example.com"}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (WORKERS - 1) + [302], statuses
    losers = [r for r in responses if r.status_code == 200]
    assert all("was changed by" in r.content.decode() for r in losers)
    customer.refresh_from_db()
    assert customer.version == loaded["version"] + 1
    winner = responses.index(next(r for r in responses if r.status_code == 302))
    assert customer.email == f"editor{winner}@example.com"


def test_parallel_closes_of_one_request_close_it_once_and_the_rest_are_told(users, north):
    customer = CustomerFactory(team=north)
    agent = users["agent"]
    service_request = services.service_request_create(customer=customer, by=agent, subject="Router broken",
                                                      assignee=agent)
    url = reverse("customers:service_request", args=[customer.customer_number, service_request.reference])
    data = {"action": "close", f"{service_request.reference}-close-resolution": "Replaced the router.",
            f"{service_request.reference}-close-send_survey": "no"}

    responses = race(logged_in_clients(agent), lambda client, i: client.post(url, data, headers=HTMX))

    assert [r.status_code for r in responses] == [200] * WORKERS
    closed = [r for r in responses if r.get("HX-Trigger") == "timeline-changed"]
    assert len(closed) == 1, [r.content.decode()[:300] for r in responses]
    assert f"Closed {service_request.reference}." in closed[0].content.decode()
    for loser in (r for r in responses if r is not closed[0]):
        assert f"{service_request.reference} is already closed." in loser.content.decode()
    service_request.refresh_from_db()
    assert service_request.status == ServiceRequest.Status.CLOSED
    assert service_request.history.filter(status=ServiceRequest.Status.CLOSED).count() == 1


def test_parallel_answers_to_one_survey_store_one_and_the_rest_see_already_answered(users, north):
    customer = CustomerFactory(team=north)
    agent = users["agent"]
    service_request = services.service_request_create(customer=customer, by=agent, subject="Broken charger")
    services.service_request_close(request=service_request, by=agent, resolution="Sent a new one")
    services.service_request_survey_send(request_id=service_request.pk, by=SYSTEM)
    service_request.refresh_from_db()
    url = reverse("survey:answer", args=[services.survey_token_make(service_request)])
    clients = [Client(raise_request_exception=False) for _ in range(WORKERS)]

    responses = race(clients, lambda client, i: client.post(url, {"score": str(i + 1), "comment": ""}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (WORKERS - 1) + [302], statuses
    for loser in (r for r in responses if r.status_code == 200):
        assert "This survey has already been answered." in loser.content.decode()
    assert Feedback.objects.filter(service_request=service_request).count() == 1
