"""The API's interactive documentation (/api/docs/): served from static files under the strict CSP, and usable
by a logged-in person (their session is the credential) to try a call."""

import pytest
from playwright.sync_api import expect

from cdm import access
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer():
    north = TeamFactory(name="North")
    UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north])
    return CustomerFactory(team=north, given_name="Ada", family_name="Lovelace")


def test_the_docs_list_every_operation_and_a_call_can_be_tried(login, page, live_server, customer, new_page):
    login(page, "agent")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/systems/{system}/customers/{external_id}" in p.replace("\u200b", "") for p in paths)
    assert any("/api/v1/systems/{system}/batch/customers/" in p.replace("\u200b", "") for p in paths)
    detail = page.locator(".opblock-get").filter(has_text="Read a customer").first
    detail.locator(".opblock-summary").click()
    detail.get_by_role("button", name="Try it out").click()
    detail.locator("input[placeholder='customer_number']").fill(customer.customer_number)
    detail.get_by_role("button", name="Execute").click()
    response = detail.locator(".live-responses-table .response .response-col_status").first
    expect(response).to_have_text("200")
    expect(detail.locator(".live-responses-table")).to_contain_text("Lovelace")
    page.screenshot(path=_shot("api-docs-1280"), full_page=False)
    small = new_page(width=400, height=800)
    small.goto(f"{live_server.url}/api/docs/")
    expect(small.locator(".opblock").first).to_be_visible()
    small.screenshot(path=_shot("api-docs-400"), full_page=False)


def _shot(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
