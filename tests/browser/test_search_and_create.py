"""Keyboard only, in a real browser: type a fragment, arrow down, Enter; and a new customer who may already exist."""

import re

import pytest
from playwright.sync_api import expect

from cdm import access
from customers.models import Customer
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    north = TeamFactory(name="North")
    agent = UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north])
    jose = CustomerFactory(team=north, given_name="José", family_name="García", phone="+1 202 555 0143",
                           email="jose@example.com")
    CustomerFactory(team=north, given_name="Josefine", family_name="Garland", phone="+1 202 555 0199")
    return {"agent": agent, "jose": jose}


def test_type_arrow_down_enter_opens_the_customer(login, page, live_server, world, axe, screenshot):
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/")
    # The search box takes the focus by itself; wait for that (and htmx) before the first key.
    expect(page.get_by_label("Find a customer")).to_be_focused()
    page.wait_for_function("() => window.htmx !== undefined")
    page.keyboard.type("jose garc")  # no Enter: results follow the typing
    expect(page).to_have_url(re.compile(r"q=jose(\+|%20)garc"))
    expect(page.locator("[data-result-link]")).to_have_count(1)
    expect(page.locator("[data-result-link]").first).to_contain_text("José García")
    expect(page.locator("#result-count")).to_have_text("1 customer matches “jose garc”.")  # the live region
    screenshot("search-as-you-type")
    assert axe(page) == []
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-result-link]").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{world['jose'].get_absolute_url()}")


def test_a_possible_duplicate_shows_while_typing_and_creating_anyway_works(login, page, live_server, world, axe,
                                                                          screenshot):
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Family name").fill("Garcia")
    page.get_by_label("Phone").fill("(202) 555-0143")
    matches = page.locator("#matches")
    expect(matches).to_contain_text("Possibly already a customer")
    existing = matches.get_by_role("link", name="José García")
    expect(existing).to_have_attribute("href", world["jose"].get_absolute_url())
    screenshot("new-customer-possible-duplicate")
    assert axe(page) == []
    page.get_by_role("button", name="Create customer").click()
    expect(page.locator("#id_create_anyway-error")).to_contain_text(world["jose"].customer_number)
    page.get_by_label("This is someone else: create a new customer anyway").check()
    page.get_by_role("button", name="Create customer").click()
    expect(page.locator(".messages")).to_contain_text("Created")
    assert Customer.objects.filter(family_name="Garcia").count() == 1
