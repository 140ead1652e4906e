"""What a new user does first: log in, find customers, open one, see its history; and the team wall."""

import pytest
from playwright.sync_api import expect

from cdm import access
from customers import services
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    steward = UserFactory(username="steward", roles=[access.DATA_STEWARD])
    agent = UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north])
    mover = CustomerFactory(team=north, given_name="Marie", family_name="Curie")
    services.customer_update(customer=mover, by=agent, version=mover.version, reason="Customer moved house",
                             address_line1="11 Rue Pierre et Marie Curie", postal_code="75005", city="Paris",
                             region="", country="FR")
    other = CustomerFactory(team=south, given_name="Sven", family_name="Hedin")
    return {"steward": steward, "agent": agent, "mover": mover, "other": other}


def _login(page, live_server, path, username):
    page.goto(f"{live_server.url}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("[type=submit]")


def test_a_steward_logs_in_to_the_admin_and_reads_a_customers_move(page, live_server, world, screenshot):
    _login(page, live_server, "/admin/", "steward")
    page.click("a[href='/admin/customers/customer/']")
    expect(page.locator("#result_list")).to_contain_text("Curie")
    expect(page.locator("#result_list")).to_contain_text("Hedin")
    screenshot("admin-customer-list")
    page.click(f"text={world['mover'].customer_number}")
    expect(page.locator("#id_city")).to_have_value("Paris")
    screenshot("admin-customer-change")
    page.click("text=History")
    expect(page.locator("body")).to_contain_text("Customer moved house")
    expect(page.locator("body")).to_contain_text("1600 Pennsylvania Ave NW")
    screenshot("admin-customer-history")


def test_an_agent_finds_their_customer_and_not_another_teams(page, live_server, world, screenshot):
    _login(page, live_server, "/accounts/login/", "agent")
    page.fill("#q", "curie")
    page.keyboard.press("Enter")
    expect(page.locator("table.list")).to_contain_text("Curie")
    screenshot("customer-search")
    page.click(f"text={world['mover'].customer_number}")
    expect(page.locator("h1")).to_contain_text("Marie Curie")
    expect(page.locator(".history")).to_contain_text("1600 Pennsylvania Ave NW")
    screenshot("customer-detail")
    response = page.goto(f"{live_server.url}{world['other'].get_absolute_url()}")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Hedin")
