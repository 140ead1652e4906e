"""The 360° page and the search list as an agent sees them at 1280 and 400 px (issue 9, 5.2, 5.3, 5.6)."""

import importlib

import pytest
from playwright.sync_api import expect

from cdm import access
from consent.models import Purpose
from customers import services
from customers.models import ServiceRequest
from tests.browser.conftest import ARTIFACTS
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PURPOSES = importlib.import_module("consent.migrations.0003_default_purposes").PURPOSES


@pytest.fixture
def world():
    north = TeamFactory(name="North")
    agent = UserFactory(username="agent", roles=[access.CUSTOMER_SERVICE], teams=[north],
                        first_name="Sam", last_name="Carter")
    steward = UserFactory(username="steward", roles=[access.DATA_STEWARD])
    for key, name, short_name, description in PURPOSES:  # a flushed test database lost the data migration's rows
        Purpose.objects.get_or_create(key=key, defaults={"name": name, "short_name": short_name,
                                                         "description": description})
    caller = CustomerFactory(team=north, given_name="Grace", family_name="Hopper", phone="+44 28 9099 3920",
                             email="grace.hopper@example.com")
    services.service_request_create(
        customer=caller, by=agent, kind=ServiceRequest.Kind.COMPLAINT, priority=ServiceRequest.Priority.URGENT,
        subject="Router keeps rebooting every evening since the firmware update",
        description="Customer called three times; the engineer's visit did not fix it.", assignee=agent)
    services.service_request_create(customer=caller, by=agent, subject="Update payment details")
    return {"agent": agent, "steward": steward, "caller": caller}


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _overflow(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def test_request_controls_are_on_screen_at_1280_and_nothing_overflows_at_400(login, new_page, live_server, world,
                                                                             axe):
    url = f"{live_server.url}{world['caller'].get_absolute_url()}"
    for width in (1280, 400):
        page = new_page(width=width, height=900)
        login(page, "agent")
        page.goto(url)
        requests = page.locator("#service-requests")
        expect(requests).to_contain_text("Router keeps rebooting")
        scroll_width, inner_width = _overflow(page)
        assert scroll_width <= inner_width, (width, scroll_width, inner_width)
        card = requests.bounding_box()
        for control in (requests.get_by_role("button", name="Set status").first,
                        requests.locator("summary", has_text="Close").first):
            expect(control).to_be_visible()
            box = control.bounding_box()
            # Inside the viewport and inside its card: no hidden scroller to find it behind.
            assert 0 <= box["x"] and box["x"] + box["width"] <= inner_width, (width, box)
            assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], (width, box, card)
        badge = requests.locator(".sd-kind-complaint").first
        line = page.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)", badge.element_handle())
        assert badge.bounding_box()["height"] < 1.6 * line  # "Complaint" on one line, not "Co/mpl/ain/t"
        _shot(page, f"customer-360-requests-{width}")
        assert axe(page) == []


def test_the_360_page_opens_its_forms_on_demand_and_keeps_a_failed_one_open(login, page, live_server, world, axe):
    login(page, "agent")
    page.goto(f"{live_server.url}{world['caller'].get_absolute_url()}")
    subject = page.get_by_label("Subject")
    note = page.get_by_label("Note", exact=True)
    expect(subject).to_be_hidden()
    expect(note).to_be_hidden()
    expect(page.locator("#id_purpose")).to_be_hidden()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2400, height

    page.locator("summary", has_text="Log a request").focus()
    page.keyboard.press("Enter")  # keyboard: the summary is a control
    expect(subject).to_be_visible()
    page.get_by_role("button", name="Log it").click()  # no subject: the form comes back with its error, open
    expect(page.locator("#service-requests .error").first).to_contain_text("Subject")
    expect(page.get_by_label("Subject")).to_be_visible()

    page.locator("summary", has_text="Add a note").click()
    expect(note).to_be_visible()
    page.locator("summary", has_text="Record consent").click()
    expect(page.locator("#id_purpose")).to_be_visible()
    expect(page.locator(".consent-legend")).to_contain_text("? no record")
    expect(page.locator(".consent-legend")).to_contain_text("✓ granted")
    expect(page.locator(".consent-legend")).to_contain_text("✗ withdrawn")
    _shot(page, "customer-360-forms-open")
    assert axe(page) == []


def test_a_phone_search_on_a_phone_shows_the_phone(login, new_page, live_server, world, axe):
    page = new_page(width=400, height=800)
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/?q=028+9099+3920")
    page.wait_for_function("() => window.htmx !== undefined")
    row = page.locator("#customer-rows tr").first
    expect(row).to_contain_text("Grace Hopper")
    phone = row.locator("td.tel")
    expect(phone).to_be_visible()
    expect(phone).to_have_text("+44 28 9099 3920")  # as read back on a call, not +442890993920
    _shot(page, "search-phone-400")  # before the checks: a failure leaves the picture to look at
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(page) == []
    # A name search keeps the usual narrow columns.
    page.goto(f"{live_server.url}/customers/?q=hopper")
    expect(page.locator("#customer-rows tr").first.locator("td.tel")).to_be_hidden()


def test_reload_on_the_edit_page_keeps_typed_input(login, page, live_server, world):
    caller = world["caller"]
    login(page, "agent")
    page.goto(f"{live_server.url}/customers/{caller.customer_number}/edit/")
    page.get_by_label("Job title").fill("Rear admiral")
    services.customer_update(customer=caller, by=world["steward"], version=caller.version, company="US Navy",
                             reason="Phone call")
    live = page.locator("#live")
    expect(live).to_contain_text("Changed by", timeout=10_000)
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    live.get_by_role("link", name="Reload").click()
    expect(live).to_contain_text("unsaved changes")
    assert dialogs and "unsaved changes" in dialogs[0]
    assert page.url.endswith("/edit/")
    expect(page.get_by_label("Job title")).to_have_value("Rear admiral")
    _shot(page, "customer-edit-unsaved")
