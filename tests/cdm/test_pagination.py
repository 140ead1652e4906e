"""Page numbers from the URL: a bad or absurd one gives a page, never a 500."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.test import Client
from django.urls import reverse

from cdm.pagination import LargeTablePaginator, PeekPage
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(users, customer):
    client = Client(raise_request_exception=False)  # a 500 is what these tests look for
    client.force_login(users["agent"])
    return client


def _search(client, page):
    return client.get(reverse("customers:list"), {"q": "a", "page": page})


@pytest.mark.parametrize("page", ["99999999999999999999", "1" + "0" * 400, str(2**63), "9" * 5000])
def test_an_absurdly_large_page_is_clamped_not_a_500(agent_client, page):
    response = _search(agent_client, page)
    assert response.status_code == 200
    shown = response.context["page"]
    assert shown.clamped and shown.number == PeekPage.max_page(25)
    assert f"Page {shown.number}" in response.content.decode()


@pytest.mark.parametrize("page", ["²", "٣", "1e3", "-3", "0", "", " ", "2.5", "0x10", "\x00", "1_000"])
def test_a_page_that_is_not_a_plain_number_is_page_one(agent_client, page):
    response = _search(agent_client, page)
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert "Lovelace" in response.content.decode()  # the first page of results


def test_a_normal_page_number_still_pages(agent_client):
    response = _search(agent_client, "2")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == 2 and not page.clamped and page.has_previous()


def test_the_large_table_paginator_refuses_odd_and_absurd_numbers(customer):
    paginator = LargeTablePaginator(Customer.objects.order_by("pk"), 25)
    for odd in ("²", "٣", "1e3", "2.5", 2.5, None, "0x10"):
        with pytest.raises(PageNotAnInteger):
            paginator.validate_number(odd)
    for absurd in ("99999999999999999999", 10**30, "0", "-1"):
        with pytest.raises(EmptyPage):
            paginator.validate_number(absurd)
    assert paginator.validate_number("1") == 1 and paginator.validate_number(1) == 1
    assert paginator.get_page("99999999999999999999").number == 1  # the last page
    assert paginator.get_page("²").number == 1
