"""Keyboard search at a caller's pace (issue 9, 5.1): the keys act on the results of what is in the box now."""

import re

import pytest
from playwright.sync_api import expect

from cdm import access
from tests.browser.conftest import ARTIFACTS
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    north = TeamFactory(name="North")
    UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north])
    return {
        "allen": CustomerFactory(team=north, given_name="Darren", family_name="Allen"),
        "allen2": CustomerFactory(team=north, given_name="Mary", family_name="Allen"),
        "allen3": CustomerFactory(team=north, given_name="Zoe", family_name="Allen"),
        "hanel": CustomerFactory(team=north, given_name="Ibrahim", family_name="Hänel"),
    }


def _search_page(page, live_server, login, query="allen"):
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/?q={query}")
    expect(page.get_by_label("Find a customer")).to_be_focused()
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.locator("[data-result-link]")).to_have_count(3)


def test_typing_fast_then_down_enter_opens_the_customer_typed_not_the_old_result(login, page, live_server, world,
                                                                                 screenshot):
    _search_page(page, live_server, login)
    page.keyboard.press("Control+A")
    page.keyboard.type("hänel")
    page.keyboard.press("ArrowDown")  # at once: the results on screen are still those of "allen"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{world['hanel'].get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ibrahim Hänel")
    screenshot("search-keyboard-fast")


def test_down_while_the_new_results_are_on_their_way_moves_into_them(login, page, live_server, world, screenshot):
    _search_page(page, live_server, login)
    held = []  # the htmx requests for "hänel", answered only once the agent has pressed ↓

    def hold(route):
        if route.request.headers.get("hx-request"):
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/customers/\?q=h(%C3%A4|ä)nel.*"), hold)
    page.keyboard.press("Control+A")
    page.keyboard.type("hänel", delay=20)
    page.wait_for_function("() => document.querySelector('#customer-results.htmx-request') !== null")
    page.keyboard.press("ArrowDown")  # the old results are still there, the new ones on their way
    expect(page.get_by_label("Find a customer")).to_be_focused()  # not an old result
    page.wait_for_timeout(100)
    page.unroute(re.compile(r".*/customers/\?q=h(%C3%A4|ä)nel.*"))
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 - htmx aborted that one for a newer request
            pass
    first = page.locator("[data-result-link]").first
    expect(first).to_contain_text("Ibrahim Hänel")
    expect(first).to_be_focused()  # ↓ took effect on the new results
    screenshot("search-keyboard-down-after-swap")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{world['hanel'].get_absolute_url()}")


def test_the_focus_survives_a_swap_and_the_arrows_keep_working(login, page, live_server, world):
    _search_page(page, live_server, login)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    links = page.locator("[data-result-link]")
    expect(links.nth(1)).to_be_focused()
    # The same results arrive again (e.g. the agent's last key was a space, or the status filter refreshed).
    with page.expect_response(lambda r: "/customers/?q=allen" in r.url and r.request.headers.get("hx-request")):
        page.evaluate("() => htmx.trigger('#q', 'search')")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{world['allen3'].get_absolute_url()}")


def test_slash_focuses_the_search_box_except_while_typing(login, page, live_server, world):
    login(page, "agent")
    page.goto(f"{live_server.url}{world['allen'].get_absolute_url()}")
    box = page.get_by_role("searchbox", name="Search customers")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("hänel")
    page.keyboard.press("Enter")
    expect(page.locator("[data-result-link]").first).to_contain_text("Ibrahim Hänel")
    # On the list page "/" goes to its own box; typed in a field, "/" is just a character.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    search = page.get_by_label("Find a customer")
    expect(search).to_be_focused()
    page.keyboard.type("a/b")
    expect(search).to_have_value("a/b")
    page.screenshot(path=str(ARTIFACTS / "search-slash.png"))
