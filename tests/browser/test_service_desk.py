"""An agent on a live call, in a real browser: find, open, correct, and never see what isn't theirs."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from cdm import access
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    users = {
        "agent": UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north]),
        "agent2": UserFactory(username="agent2", roles=[access.CUSTOMER_SERVICE], teams=[north]),
        "agent-south": UserFactory(username="agent-south", roles=[access.CUSTOMER_SERVICE], teams=[south]),
        "marketer": UserFactory(username="marketer", roles=[access.MARKETING]),
        "steward": UserFactory(username="steward", roles=[access.DATA_STEWARD]),
    }
    users["steward"].user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    caller = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", phone="+1 202 555 0143",
                             national_id="GH 1906 12 09")
    CustomerFactory(team=north, given_name="Alan", family_name="Turing", phone="+1 202 555 0199")
    return {"users": users, "caller": caller}


def test_an_agent_finds_a_caller_by_phone_fixes_the_address_and_sees_the_old_one(login, page, live_server, world,
                                                                                 screenshot, axe):
    caller = world["caller"]
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/")
    search = page.get_by_label("Find a customer")
    search.fill("(202) 555-0143")  # typed as the caller says it, not as stored
    search.press("Enter")
    expect(page.locator("[data-result-link], table.list a").first).to_contain_text(caller.customer_number)
    expect(page.locator("body")).not_to_contain_text("Turing")
    screenshot("search")
    assert axe(page) == []

    page.locator(f"text={caller.customer_number}").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grace Hopper")
    screenshot("customer-360")
    assert axe(page) == []

    page.get_by_role("link", name="Edit contact data").click()
    page.get_by_label("Street address").fill("350 Fifth Avenue")
    page.get_by_label("Postal code").fill("10118")
    page.get_by_label("City").fill("New York")
    page.get_by_label("State / region").fill("NY")
    page.get_by_label("Reason for the change").fill("Customer moved house")
    screenshot("customer-edit")
    assert axe(page) == []
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("Saved")
    history = page.locator(".history")
    expect(history).to_contain_text("Customer moved house")
    expect(history).to_contain_text("1600 Pennsylvania Ave NW")
    expect(history).to_contain_text("350 Fifth Avenue")


def test_a_second_editor_gets_the_conflict_with_their_input_kept(login, new_page, live_server, world):
    caller = world["caller"]
    first, second = new_page(), new_page()
    login(first, "agent")
    login(second, "agent2")
    edit_url = f"{live_server.url}/customers/{caller.customer_number}/edit/"
    first.goto(edit_url)
    second.goto(edit_url)

    first.get_by_label("Job title").fill("Rear admiral")
    first.get_by_role("button", name="Save").click()
    expect(first.locator(".messages")).to_contain_text("Saved")

    second.get_by_label("Company").fill("US Navy")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("alert")).to_contain_text("was changed by")
    expect(second.get_by_label("Company")).to_have_value("US Navy")


def test_the_open_page_says_when_someone_else_changed_the_record(login, new_page, live_server, world):
    from customers import services

    caller = world["caller"]
    page = new_page()
    login(page, "agent")
    page.goto(f"{live_server.url}{caller.get_absolute_url()}")
    services.customer_update(customer=caller, by=world["users"]["steward"], version=caller.version,
                             job_title="Computer scientist", reason="Data clean-up")
    expect(page.locator("#live")).to_contain_text("Changed by", timeout=10_000)
    expect(page.locator("#live")).to_contain_text("Reload")


def test_marketing_never_sees_the_national_id(login, page, live_server, world):
    caller = world["caller"]
    login(page, "marketer")
    page.goto(f"{live_server.url}{caller.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grace Hopper")
    expect(page.locator("body")).not_to_contain_text("GH19061209")
    expect(page.get_by_role("button", name="Reveal")).to_have_count(0)
    status = page.evaluate(
        "async (url) => (await fetch(url, {method: 'POST', headers: {'X-CSRFToken': document.cookie.replace(/.*csrftoken=([^;]+).*/, '$1')}})).status",
        f"/customers/{caller.customer_number}/reveal/")
    assert status == 403


def test_a_steward_reveals_the_national_id_on_purpose(login, page, live_server, world):
    login(page, "steward")
    page.goto(f"{live_server.url}{world['caller'].get_absolute_url()}")
    expect(page.locator("body")).not_to_contain_text("GH19061209")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("#sensitive")).to_contain_text("GH19061209")


def test_an_agent_of_another_team_gets_404(login, page, live_server, world):
    login(page, "agent-south")
    response = page.goto(f"{live_server.url}{world['caller'].get_absolute_url()}")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Hopper")


def test_pages_work_on_a_phone_sized_screen(login, new_page, live_server, world, axe):
    page = new_page(width=400, height=800)
    login(page, "agent")
    page.goto(f"{live_server.url}{world['caller'].get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 400px"
    assert axe(page) == []
